import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '@es/testing';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { probeBroker } = require('../../tools/kafka/launcher');

/**
 * The launcher's readiness probe (tools/kafka/launcher.js, kafkajs admin): startKafka, restart() and every node of
 * startKafkaCluster wait on it, so a broker counts as ready only when its own port answers and the metadata lists its
 * node id in the cluster the launcher formatted.
 */
describe('the Kafka launcher readiness probe', () => {
  let broker: { nodeId: number; host: string; port: number };
  let clusterId: string;

  beforeAll(async () => {
    const admin = new Kafka({ clientId: 'probe-test', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      broker = cluster.brokers[0];
      clusterId = cluster.clusterId;
    } finally {
      await admin.disconnect();
    }
  });

  it('reports a broker that lists its node in the expected cluster as ready', async () => {
    const probe = await probeBroker(broker.host, broker.port, 5000, clusterId, broker.nodeId);
    expect(probe).toEqual({ ready: true, reason: `metadata lists broker ${broker.nodeId}`, clusterId });
  });

  it('does not take a broker of another cluster on that port for ours', async () => {
    const probe = await probeBroker(broker.host, broker.port, 5000, 'another-cluster-id', broker.nodeId);
    expect(probe).toMatchObject({ ready: false, reason: `another cluster (${clusterId}) answers on port ${broker.port}` });
  });

  it('waits while the metadata does not list the node yet', async () => {
    const probe = await probeBroker(broker.host, broker.port, 5000, clusterId, 999);
    expect(probe).toMatchObject({ ready: false, reason: 'broker not yet in metadata' });
  });

  it('answers "not ready" quickly when nothing listens on the port', async () => {
    const started = Date.now();
    const probe = await probeBroker('127.0.0.1', await freePort(), 2000);
    expect(probe.ready).toBe(false);
    expect(probe.reason).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
