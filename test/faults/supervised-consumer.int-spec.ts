import type { Consumer, Kafka } from 'kafkajs';
import { JsonLogger, Metrics } from '@es/common';
import { SupervisedConsumer } from '@es/kafka';
import { randomNamespace, testKafka, waitFor } from '@es/testing';

/**
 * kafkajs restarts a crashed consumer only when the cause is retriable. A non-retriable crash — the
 * "Failed to find group coordinator" seen after broker restarts, a fenced transactional producer, or a
 * plain TypeError thrown by a batch handler — stops it for good while the process looks healthy.
 * Here the crash is provoked deterministically on the real broker (the handler throws a TypeError
 * once) and compared: a bare kafkajs consumer stays dead, a SupervisedConsumer comes back, says so in
 * its health and metrics, and consumes the rest.
 */
describe('a kafkajs consumer after a non-retriable crash', () => {
  const ns = randomNamespace('sup');
  const topic = `${ns}.supervised`;
  let kafka: Kafka;
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    kafka = testKafka(`test-${ns}`);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: ['a', 'b', 'c'].map((value) => ({ value })) });
    await producer.disconnect();
    cleanup.push(async () => {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.deleteGroups([`${ns}.bare`, `${ns}.supervised`]).catch(() => undefined);
      await admin.disconnect();
    });
  });

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  /** Subscribes and runs; the first message handled throws a TypeError (a bug), the rest are recorded. */
  const consumeWithOneBug = (seen: string[], state: { thrown: boolean }) => async (consumer: Consumer) => {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (!state.thrown) {
          state.thrown = true;
          throw new TypeError('a bug in the handler');
        }
        seen.push(String(message.value));
      },
    });
  };

  it('a bare kafkajs consumer stays dead (what every consumer of the apps did)', async () => {
    const consumer = kafka.consumer({ groupId: `${ns}.bare`, sessionTimeout: 6000, heartbeatInterval: 500 });
    cleanup.push(() => consumer.disconnect());
    const crashes: boolean[] = [];
    consumer.on(consumer.events.CRASH, ({ payload }) => crashes.push(payload.restart));
    const seen: string[] = [];
    await consumer.connect();
    await consumeWithOneBug(seen, { thrown: false })(consumer);
    await waitFor(() => crashes.length > 0, { timeoutMs: 20000, what: 'the crash' });
    await new Promise((r) => setTimeout(r, 3000));
    expect(crashes).toEqual([false]);
    expect(seen).toEqual([]);
  });

  it('a SupervisedConsumer is re-created, reports it, and consumes the rest', async () => {
    const metrics = new Metrics('supervised-test');
    const lines: string[] = [];
    const logger = new JsonLogger('supervised-test', 'warn', (line) => lines.push(line));
    const seen: string[] = [];
    const resets: number[] = [];
    const supervised = new SupervisedConsumer({
      name: 'test',
      kafka,
      logger,
      metrics,
      config: { groupId: `${ns}.supervised`, sessionTimeout: 6000, heartbeatInterval: 500 },
      start: consumeWithOneBug(seen, { thrown: false }),
      onReset: () => void resets.push(Date.now()),
      initialBackoffMs: 200,
    });
    cleanup.push(() => supervised.stop());
    await supervised.start();
    const down = await waitFor(
      async () => {
        const h = await supervised.health().check();
        return !h.ok && h;
      },
      { timeoutMs: 20000, intervalMs: 20, what: 'the health check to report the crash' },
    );
    const downMetric = await metrics.registry.getSingleMetricAsString('es_consumer_up');
    await waitFor(() => seen.length >= 3, { timeoutMs: 30000, what: 'the rest of the messages after the restart' });
    const up = await supervised.health().check();

    expect(down).toMatchObject({ ok: false, detail: { state: 'restarting', lastError: expect.stringContaining('TypeError: a bug in the handler') } });
    expect(downMetric).toContain('es_consumer_up{consumer="test",app="supervised-test"} 0');
    // The first message was not committed (the crash came first), so the new consumer reads it again.
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(up).toMatchObject({ ok: true, detail: { state: 'consuming', restarts: 1 } });
    expect(await metrics.registry.getSingleMetricAsString('es_consumer_restarts_total')).toContain(
      'es_consumer_restarts_total{consumer="test",app="supervised-test"} 1',
    );
    expect(await metrics.registry.getSingleMetricAsString('es_consumer_up')).toContain('es_consumer_up{consumer="test",app="supervised-test"} 1');
    expect(resets.length).toBeGreaterThanOrEqual(1);
    expect(lines.some((l) => l.includes('"level":"error"') && l.includes('Kafka consumer crashed') && l.includes('a bug in the handler'))).toBe(true);
  });
});
