import { Kafka, logLevel } from 'kafkajs';
import { patchKafkajsTransactionCoordinatorCache } from '@es/kafka';
import { randomNamespace, waitFor } from '@es/testing';

describe('the local Kafka broker', () => {
  const kafka = new Kafka({ clientId: 'smoke', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const ns = randomNamespace();
  const topic = `${ns}.smoke`;
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('shows a committed transaction to read_committed consumers and hides an aborted one', async () => {
    const producer = kafka.producer({ transactionalId: `${ns}.tx`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'k', value: 'aborted' }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ key: 'k', value: 'committed' }] });
    await committed.commit();
    await producer.disconnect();

    const seen: string[] = [];
    const consumer = kafka.consumer({ groupId: `${ns}.reader`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await waitFor(() => seen.includes('committed'), { what: 'the committed record' });
    await consumer.disconnect();

    expect(seen).toEqual(['committed']);
  });

  it('runs a transaction without asking for its coordinator each time (kafkajs patched as the apps are)', async () => {
    patchKafkajsTransactionCoordinatorCache();
    const producer = kafka.producer({ transactionalId: `${ns}.tx-cached`, idempotent: true, maxInFlightRequests: 1 });
    const requests: string[] = [];
    producer.on(producer.events.REQUEST, (e) => void requests.push(e.payload.apiName));
    await producer.connect();
    for (let i = 0; i < 20; i += 1) {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: [{ key: 'k', value: `v${i}` }] });
      await tx.commit();
    }
    await producer.disconnect();
    const count = (api: string) => requests.filter((r) => r === api).length;

    // Unpatched: one FindCoordinator (kafkajs' "GroupCoordinator") before every AddPartitionsToTxn and EndTxn, 41 here.
    expect(count('GroupCoordinator')).toBeLessThanOrEqual(2);
    expect(count('EndTxn')).toBe(20);
  });

  it('refuses to create topics implicitly, so a typo never invents a stream', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1 } });
    await producer.connect();
    await expect(producer.send({ topic: `${ns}.does-not-exist`, messages: [{ value: 'x' }], timeout: 2000 })).rejects.toThrow();
    await producer.disconnect();
  });
});
