import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { IdempotencyMismatchError, NotFoundError } from '@es/domain';
import { decodePosition, type EventEnvelope } from '@es/event-store';
import { KafkaCommandTransport, namespaceTopics, provisionTopics, topics } from '@es/kafka';
import { AppProcess, randomNamespace, readTopic, startApp } from '@es/testing';

const PARTITIONS = 3;

describe('the command processor', () => {
  const ns = randomNamespace();
  const kafka = new Kafka({ clientId: 'cp-test', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const env = { ES_NAMESPACE: ns, TOPIC_PARTITIONS: String(PARTITIONS) };
  const transport = new KafkaCommandTransport(kafka, { namespace: ns, timeoutMs: 30000 });
  const processors: AppProcess[] = [];
  const send = (
    context: 'orders' | 'inventory',
    type: string,
    aggregateId: string,
    data: unknown,
    extra: { commandId?: string; expectedVersion?: number } = {},
  ) =>
    transport.send({
      context,
      type,
      aggregateId,
      data,
      commandId: extra.commandId ?? randomUUID(),
      correlationId: randomUUID(),
      expectedVersion: extra.expectedVersion,
    });
  const events = async (context: 'orders' | 'inventory') =>
    (await readTopic(kafka, topics.events(ns, context))).map((r) => ({ ...(JSON.parse(r.value!) as EventEnvelope), partition: r.partition, offset: r.offset }));

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await provisionTopics(admin, namespaceTopics(ns, { partitions: PARTITIONS, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
    await admin.disconnect();
    await transport.start();
    processors.push(await startApp('command-processor', env));
  });

  afterAll(async () => {
    await transport.stop();
    await Promise.all(processors.map((p) => p.stop()));
  });

  it('appends the events a command decides and answers with the new version and position', async () => {
    const registered = await send('inventory', 'RegisterProduct', 'SKU-A', { sku: 'SKU-A', name: 'Anvil' });
    const received = await send('inventory', 'ReceiveStock', 'SKU-A', { sku: 'SKU-A', quantity: 5 });

    expect(registered).toMatchObject({ ok: true, version: 1, duplicate: false, eventTypes: ['ProductRegistered'] });
    expect(received).toMatchObject({ ok: true, version: 2, eventTypes: ['StockReceived'] });
    expect(decodePosition(received.position!)).toMatchObject({ context: 'inventory' });
    const stream = (await events('inventory')).filter((e) => e.aggregateId === 'SKU-A');
    expect(stream.map((e) => [e.type, e.version])).toEqual([
      ['ProductRegistered', 1],
      ['StockReceived', 2],
    ]);
    expect(decodePosition(received.position!)!.offset).toBe(stream[1].offset);
  });

  it('rejects a command the domain forbids with the domain error and appends nothing', async () => {
    await expect(send('inventory', 'ReceiveStock', 'SKU-NOPE', { sku: 'SKU-NOPE', quantity: 1 })).rejects.toBeInstanceOf(NotFoundError);
    expect((await events('inventory')).filter((e) => e.aggregateId === 'SKU-NOPE')).toEqual([]);
  });

  it('applies a command id once: a redelivery gets the first outcome, another body with the same id is refused', async () => {
    const commandId = randomUUID();
    await send('inventory', 'RegisterProduct', 'SKU-I', { sku: 'SKU-I', name: 'Idem' });
    const first = await send('inventory', 'ReceiveStock', 'SKU-I', { sku: 'SKU-I', quantity: 3 }, { commandId });
    const again = await send('inventory', 'ReceiveStock', 'SKU-I', { sku: 'SKU-I', quantity: 3 }, { commandId });

    expect(again).toMatchObject({ ok: true, duplicate: true, version: first.version, position: first.position });
    await expect(send('inventory', 'ReceiveStock', 'SKU-I', { sku: 'SKU-I', quantity: 4 }, { commandId })).rejects.toBeInstanceOf(IdempotencyMismatchError);
    const received = (await events('inventory')).filter((e) => e.aggregateId === 'SKU-I' && e.type === 'StockReceived');
    expect(received).toHaveLength(1);
  });

  it('still recognises a command id after the processor restarted and restored its state from Kafka', async () => {
    const commandId = randomUUID();
    await send('inventory', 'RegisterProduct', 'SKU-R', { sku: 'SKU-R', name: 'Restart' });
    const first = await send('inventory', 'ReceiveStock', 'SKU-R', { sku: 'SKU-R', quantity: 7 }, { commandId });
    await processors.pop()!.stop();
    processors.push(await startApp('command-processor', env));

    const again = await send('inventory', 'ReceiveStock', 'SKU-R', { sku: 'SKU-R', quantity: 7 }, { commandId });
    const next = await send('inventory', 'ReceiveStock', 'SKU-R', { sku: 'SKU-R', quantity: 1 });

    expect(again).toMatchObject({ duplicate: true, version: first.version });
    expect(next.version).toBe(first.version + 1);
  });

  it('checks If-Match as an expected version', async () => {
    await send('inventory', 'RegisterProduct', 'SKU-V', { sku: 'SKU-V', name: 'Versioned' });
    await expect(send('inventory', 'ReceiveStock', 'SKU-V', { sku: 'SKU-V', quantity: 1 }, { expectedVersion: 3 })).rejects.toMatchObject({
      code: 'CONCURRENCY',
    });
    await expect(send('inventory', 'ReceiveStock', 'SKU-V', { sku: 'SKU-V', quantity: 1 }, { expectedVersion: 1 })).resolves.toMatchObject({ version: 2 });
  });

  it('with two instances and 200 concurrent reservations against stock 50, exactly 50 succeed and versions stay contiguous', async () => {
    processors.push(await startApp('command-processor', env));
    await send('inventory', 'RegisterProduct', 'SKU-HOT', { sku: 'SKU-HOT', name: 'Hot' });
    await send('inventory', 'ReceiveStock', 'SKU-HOT', { sku: 'SKU-HOT', quantity: 50 });

    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => send('inventory', 'ReserveStock', 'SKU-HOT', { sku: 'SKU-HOT', orderId: `order-${i}`, quantity: 1 })),
    );
    const reserved = outcomes.filter((o) => o.eventTypes.includes('StockReserved')).length;
    const stream = (await events('inventory')).filter((e) => e.aggregateId === 'SKU-HOT');

    expect(reserved).toBe(50);
    expect(stream.filter((e) => e.type === 'StockReserved')).toHaveLength(50);
    expect(stream.filter((e) => e.type === 'StockReservationRejected')).toHaveLength(150);
    expect(stream.map((e) => e.version)).toEqual(Array.from({ length: 202 }, (_, i) => i + 1));
    expect(new Set(stream.map((e) => e.eventId)).size).toBe(stream.length);
  });
});
