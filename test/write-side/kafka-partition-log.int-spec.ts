import { Kafka, logLevel } from 'kafkajs';
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

  partitionLogContract('the Kafka log (events + compacted state topic, one transaction)', () => ({
    open: async () => {
      // A fresh namespace per test: "a partition that was never written".
      ns = randomNamespace();
      const admin = kafka.admin();
      await admin.connect();
      await provisionTopics(admin, namespaceTopics(ns, { partitions: 2, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
      await admin.disconnect();
      return open();
    },
    reopen: open,
    breakNextCommit: () => void (breakNext = true),
  }));

  it('fences the previous owner: once a new owner opened the partition, the old one cannot commit', async () => {
    ns = randomNamespace();
    const admin = kafka.admin();
    await admin.connect();
    await provisionTopics(admin, namespaceTopics(ns, { partitions: 2, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
    await admin.disconnect();
    const zombie = await open();
    await zombie.restore();
    const owner = await open();
    await owner.restore();

    await expect(zombie.commit({ events: [], records: [], nextInputOffset: '1' })).rejects.toThrow();
    await expect(owner.commit({ events: [], records: [], nextInputOffset: '1' })).resolves.toEqual([]);
    await Promise.all([zombie.close(), owner.close()]);
  });
});
