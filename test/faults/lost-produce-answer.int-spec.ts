import type { Socket } from 'node:net';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import { UnavailableError } from '@es/common';
import { FAIL_FAST_RETRY, KafkaCommandTransport, noDelaySocketFactory, topics } from '@es/kafka';
import { provisionTestTopics, randomNamespace, readTopic, testKafka, waitFor } from '@es/testing';

/**
 * A produce the broker appended but whose answer never came back — what a leader SIGKILLed between
 * replicating a batch and answering leaves behind (fault tier (a), 2026-12-07: after it, every send of
 * the command API to that partition was refused OUT_OF_ORDER_SEQUENCE_NUMBER until the load ended).
 * kafkajs gives up on the batch without advancing its sequence numbers, so the next batch of the same
 * producer reuses them: the broker answers a batch of the same size as a duplicate of the lost one —
 * "written", never appended — and refuses any other size. Here the lost answer is made on purpose:
 * the command API's producer talks to the real broker through sockets that, while "deaf", close the
 * moment an answer arrives (the request itself was delivered).
 */
describe('the command API after a produce whose answer was lost', () => {
  const ns = randomNamespace('lost');
  const commandsTopic = topics.commands(ns, 'orders');
  let deaf = false;
  const deafSockets: ISocketFactory = (args) => {
    const socket: Socket = noDelaySocketFactory(args) as Socket;
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string | symbol, ...rest: unknown[]) => {
      if (event === 'data' && deaf) {
        // As a broker that dies does: the connection is reset.
        socket.destroy(Object.assign(new Error('read ECONNRESET (the answer was lost)'), { code: 'ECONNRESET' }));
        return true;
      }
      return emit(event, ...rest);
    }) as typeof socket.emit;
    return socket;
  };
  const kafka = testKafka(`test-${ns}`);
  const producerKafka = new Kafka({
    clientId: `test-${ns}-producer`,
    brokers: process.env.KAFKA_BROKERS!.split(','),
    retry: FAIL_FAST_RETRY,
    socketFactory: deafSockets,
    logLevel: logLevel.NOTHING,
  });
  // No processor runs: nothing answers, so a send that reached the topic waits out this timeout.
  const transport = new KafkaCommandTransport(kafka, { namespace: ns, timeoutMs: 30000, producerKafka });

  const send = (commandId: string) =>
    transport.send({ context: 'orders', type: 'CancelOrder', aggregateId: 'order-1', data: { orderId: 'order-1' }, commandId, correlationId: commandId });
  const commandIds = async () => (await readTopic(kafka, commandsTopic, { idleMs: 500 })).map((r) => (JSON.parse(r.value!) as { commandId: string }).commandId);

  beforeAll(async () => {
    await provisionTestTopics(kafka, ns, 1);
    await transport.start();
  });

  afterAll(async () => {
    await transport.stop();
  });

  it('gives up on the lost batch with a 503 and appends the next command (a new producer, not its sequence numbers)', async () => {
    // The producer's connection to the leader exists before the answers are lost.
    void send('warm-up').catch(() => undefined);
    await waitFor(async () => (await commandIds()).includes('warm-up'), { what: 'the warm-up command on the topic' });

    deaf = true;
    await expect(send('lost-answer')).rejects.toBeInstanceOf(UnavailableError);
    deaf = false;
    // The broker did append it: a 503 here means "not confirmed", not "not written".
    await waitFor(async () => (await commandIds()).includes('lost-answer'), { what: 'the command whose answer was lost, on the topic' });

    void send('after').catch(() => undefined);
    const ids = await waitFor(
      async () => {
        const seen = await commandIds();
        return seen.includes('after') && seen;
      },
      { timeoutMs: 15000, what: 'the next command on the topic (it was taken for a duplicate of the lost batch and never appended)' },
    );
    expect(ids).toEqual(['warm-up', 'lost-answer', 'after']);
  });
});
