import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { EventEnvelope } from '@es/event-store';
import { KafkaCommandTransport, namespaceTopics, provisionTopics, topics } from '@es/kafka';
import { AppProcess, randomNamespace, readTopic, startApp } from '@es/testing';

const PARTITIONS = 3;
const PRODUCTS = ['P-1', 'P-2', 'P-3', 'P-4', 'P-5', 'P-6'];
const COMMANDS = 600;

describe('a command processor killed with SIGKILL in the middle of a stream of commands', () => {
  const ns = randomNamespace();
  const kafka = new Kafka({ clientId: 'crash-test', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const env = { ES_NAMESPACE: ns, TOPIC_PARTITIONS: String(PARTITIONS) };
  const transport = new KafkaCommandTransport(kafka, { namespace: ns, timeoutMs: 20000 });
  let processor: AppProcess | undefined;

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await provisionTopics(admin, namespaceTopics(ns, { partitions: PARTITIONS, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
    await admin.disconnect();
    await transport.start();
    processor = await startApp('command-processor', env);
  });

  afterAll(async () => {
    await transport.stop();
    await processor?.stop();
  });

  it('loses no acknowledged command, doubles none, and leaves no partial transaction visible', async () => {
    for (const sku of PRODUCTS) {
      await transport.send({
        context: 'inventory',
        type: 'RegisterProduct',
        aggregateId: sku,
        data: { sku, name: sku },
        commandId: randomUUID(),
        correlationId: 'setup',
      });
    }
    const acknowledged = new Set<string>();
    const sent: string[] = [];
    // eslint-disable-next-line no-useless-assignment -- `killed` is asserted after the stream, whatever path ran
    let killed = false;
    const stream = Array.from({ length: COMMANDS }, async (_, i) => {
      // Spread the sends over ~3 s so the kill lands mid-stream.
      await new Promise((r) => setTimeout(r, i * 5));
      const sku = PRODUCTS[i % PRODUCTS.length];
      const commandId = randomUUID();
      sent.push(commandId);
      try {
        await transport.send({ context: 'inventory', type: 'ReceiveStock', aggregateId: sku, data: { sku, quantity: 1 }, commandId, correlationId: 'crash' });
        acknowledged.add(commandId);
      } catch {
        // Unacknowledged: allowed to be applied or not, but never half.
      }
    });
    await new Promise((r) => setTimeout(r, 1200));
    await processor!.kill();
    killed = true;
    processor = await startApp('command-processor', env);
    await Promise.all(stream);

    const events = (await readTopic(kafka, topics.events(ns, 'inventory'))).map((r) => JSON.parse(r.value!) as EventEnvelope);
    const received = events.filter((e) => e.type === 'StockReceived');
    const byCommand = new Map<string, number>();
    for (const e of received) byCommand.set(e.commandId, (byCommand.get(e.commandId) ?? 0) + 1);

    expect(killed).toBe(true);
    expect(acknowledged.size).toBeGreaterThan(0);
    expect([...acknowledged].filter((id) => byCommand.get(id) !== 1)).toEqual([]);
    expect([...byCommand.values()].every((n) => n === 1)).toBe(true);
    expect([...byCommand.keys()].every((id) => sent.includes(id))).toBe(true);
    for (const sku of PRODUCTS) {
      const versions = events.filter((e) => e.aggregateId === sku).map((e) => e.version);
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
    }
  });
});
