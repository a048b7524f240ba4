import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { KafkaCommandTransport, groups, topics } from '@es/kafka';
import { provisionTestTopics, randomNamespace, testKafka, waitFor } from '@es/testing';

/**
 * The command API's reply consumer must come back to where it was after its group rebalances —
 * which it does whenever the group's coordinator moves (every broker restart of a rolling restart).
 * With nothing committed, kafkajs starts a rejoined member at the latest offset, and the replies
 * appended meanwhile were skipped: fault tier (m) counted 5–31 commands per rolling restart answered
 * 504 although they had applied within a second or two. Here the rebalance is forced on one broker:
 * a second member joins the transport's group and, its member id sorting first, is given the only
 * partition while a reply is appended; then it leaves and the transport gets the partition back.
 */
describe('the command API after its reply consumer rejoined its group', () => {
  const ns = randomNamespace('rejoin');
  const kafka = testKafka(`test-${ns}`);
  const transport = new KafkaCommandTransport(kafka, { namespace: ns, timeoutMs: 30000 });
  const producer = kafka.producer();
  let intruder: Consumer | undefined;

  const send = (commandId: string) =>
    transport.send({ context: 'orders', type: 'CancelOrder', aggregateId: 'order-1', data: { orderId: 'order-1' }, commandId, correlationId: commandId });
  // What the processor would answer (a reply without a request id settles every waiter of the command id).
  const reply = (commandId: string) =>
    producer.send({
      topic: topics.replies(ns),
      messages: [
        {
          key: 'order-1',
          value: JSON.stringify({ commandId, ok: true, aggregateId: 'order-1', version: 1, position: null, duplicate: false, eventTypes: [] }),
          headers: { 'reply-to': transport.instanceId },
        },
      ],
    });
  const within = <T>(promise: Promise<T>, ms: number, what: string) =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms).unref())]);

  beforeAll(async () => {
    await provisionTestTopics(kafka, ns, 1);
    await producer.connect();
    await transport.start();
  });

  afterAll(async () => {
    await intruder?.disconnect();
    await producer.disconnect();
    await transport.stop();
  });

  it('reads the replies appended while another member held the partition', async () => {
    const groupId = groups.commandApiReplies(ns, `${transport.instanceId}.1`);
    // A reply read, and its offset committed (the interval is a second): a position to come back to.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const before = send('before');
    await reply('before');
    await expect(within(before, 10000, 'the reply before the rebalance')).resolves.toMatchObject({ commandId: 'before', ok: true });
    const admin = kafka.admin();
    await admin.connect();
    // Bounded, not asserted: a consumer that commits nothing (the defect) fails below, where a client would notice.
    await waitFor(async () => (await admin.fetchOffsets({ groupId, topics: [topics.replies(ns)] }))[0].partitions[0].offset !== '-1', {
      timeoutMs: 5000,
      what: 'the reply consumer to commit its offset',
    }).catch(() => undefined);
    await admin.disconnect();

    // "0-…" sorts before the transport's "test-…" member id: the round-robin assignment gives it the partition.
    intruder = new Kafka({ clientId: '0-intruder', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).consumer({
      groupId,
      sessionTimeout: 10000,
      heartbeatInterval: 500,
    });
    let held = false;
    intruder.on(intruder.events.GROUP_JOIN, ({ payload }) => (held = (payload.memberAssignment[topics.replies(ns)] ?? []).includes(0)));
    await intruder.connect();
    await intruder.subscribe({ topic: topics.replies(ns) });
    await intruder.run({ autoCommit: false, eachMessage: async () => undefined });
    await waitFor(() => held, { what: 'the second member to be given the replies partition' });

    const during = send('during');
    await reply('during');
    await intruder.disconnect();
    intruder = undefined;
    await expect(within(during, 15000, 'the reply appended while the partition was elsewhere')).resolves.toMatchObject({ commandId: 'during', ok: true });
  });
});
