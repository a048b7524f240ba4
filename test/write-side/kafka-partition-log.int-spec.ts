import { Kafka, logLevel } from 'kafkajs';
import type { JsonLogger } from '@es/common';
import { partitionLogContract } from '../../libs/event-store/src/testing/partition-log.contract';
import { KafkaPartitionLog, namespaceTopics, provisionTopics } from '@es/kafka';
import { randomNamespace } from '@es/testing';

describe('KafkaPartitionLog', () => {
  const kafka = new Kafka({ clientId: 'log-contract', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  let ns = '';
  let breakNext = false;
  const open = () =>
    KafkaPartitionLog.open(kafka, {
      namespace: ns,
      context: 'inventory',
      partition: 1,
      consumerGroupId: `${ns}.group`,
      beforeCommit: () => {
        if (breakNext) {
          breakNext = false;
          throw new Error('crash after the append');
        }
      },
    });

  const freshNamespace = async () => {
    ns = randomNamespace();
    const admin = kafka.admin();
    await admin.connect();
    await provisionTopics(admin, namespaceTopics(ns, { partitions: 2, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
    await admin.disconnect();
  };

  partitionLogContract('the Kafka log (events + compacted state topic, one transaction)', () => ({
    open: async () => {
      // A fresh namespace per test: "a partition that was never written".
      await freshNamespace();
      return open();
    },
    reopen: open,
    breakNextCommit: () => void (breakNext = true),
  }));

  it('fences the previous owner: once a new owner opened the partition, the old one cannot commit', async () => {
    await freshNamespace();
    const zombie = await open();
    await zombie.restore();
    const owner = await open();
    await owner.restore();

    await expect(zombie.commit({ events: [], records: [], nextInputOffset: '1' })).rejects.toThrow();
    await expect(owner.commit({ events: [], records: [], nextInputOffset: '1' })).resolves.toEqual([]);
    await Promise.all([zombie.close(), owner.close()]);
  });

  it('a partition read that is interrupted goes on with a new consumer from where it stopped: each record once, the restore complete', async () => {
    await freshNamespace();
    const writer = await open();
    await writer.restore();
    const event = (version: number) => ({
      eventId: `A-${version}`,
      type: 'StockReceived',
      schemaVersion: 1,
      context: 'inventory' as const,
      aggregateType: 'Product',
      aggregateId: 'A',
      version,
      commandId: `cmd-A-${version}`,
      correlationId: 'c',
      causationId: null,
      occurredAt: '2026-01-01T00:00:00.000Z',
      payload: { sku: 'A', quantity: version },
    });
    for (let v = 1; v <= 12; v += 3) {
      await writer.commit({
        events: [event(v), event(v + 1), event(v + 2)],
        records: [{ aggregateId: 'A', version: v + 2, state: { onHand: v + 2 }, lastPosition: null }],
      });
    }
    await writer.close();

    // The events read is interrupted twice: after the 3rd record (offset 2; each commit is three events
    // and a transaction marker) and after the 8th (offset 9). The restore below is interrupted once.
    const warnings: Record<string, unknown>[] = [];
    const logger = { event: (level: string, msg: string, fields: Record<string, unknown>) => level === 'warn' && warnings.push({ msg, ...fields }) };
    const interrupted = new Set<number>();
    const reader = await KafkaPartitionLog.open(kafka, {
      namespace: ns,
      context: 'inventory',
      partition: 1,
      logger: logger as unknown as JsonLogger,
      interruptRead: (next) => [3, 10].includes(next) && !interrupted.has(next) && interrupted.add(next) !== undefined,
    });
    const versions: number[] = [];
    await reader.readEvents((record) => versions.push(JSON.parse(record.value!.toString()).version));
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(warnings.filter((w) => w.msg === 'partition read interrupted; reading on with a new consumer').map((w) => w.fromOffset)).toEqual([3, 10]);

    interrupted.clear();
    const restored = await reader.restore();
    expect(restored.aggregates.get('A')?.version).toBe(12);
    await reader.close();
  }, 60000);
});
