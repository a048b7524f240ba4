/**
 * The direct command lane (docs/architecture.md): the command API posts a command to the processor
 * that serves its partition instead of the command and replies topics. Black-box, with the built
 * command-api and command-processor on the real broker: commands take the lane (and nothing goes
 * through the command topic), anonymous or malformed requests to the processor are refused and
 * change nothing, and a processor killed with SIGKILL under a stream of writes loses no acknowledged
 * command and doubles none while the API falls back to the topic until it is back.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { EventEnvelope } from '@es/event-store';
import { namespaceTopics, provisionTopics, topics } from '@es/kafka';
import { AppProcess, dropNamespace, freePort, keysCoveringPartitions, randomNamespace, readTopic, startApp, waitFor } from '@es/testing';

const PARTITIONS = 3;
const TOKEN = 'direct-lane-test-token-0123';
// One product per partition: every inventory partition gets restored (a processor restores a partition
// on its first command from the topic) and served by the lane.
const PRODUCTS = keysCoveringPartitions(PARTITIONS, (i) => `D-${i}`);

describe('the direct command lane from the command API to the processor', () => {
  const ns = randomNamespace('tdl');
  const kafka = new Kafka({ clientId: 'direct-lane-test', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const env = { ES_NAMESPACE: ns, TOPIC_PARTITIONS: String(PARTITIONS), COMMAND_DIRECT_TOKEN: TOKEN };
  let processorPort: number;
  let processor: AppProcess | undefined;
  let api: AppProcess;

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await provisionTopics(admin, namespaceTopics(ns, { partitions: PARTITIONS, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
    await admin.disconnect();
    processorPort = await freePort();
    processor = await startApp('command-processor', env, { port: processorPort });
    api = await startApp('command-api', { ...env, COMMAND_PROCESSOR_URLS: `http://127.0.0.1:${processorPort}` });
  });

  afterAll(async () => {
    await api?.stop();
    await processor?.stop();
    const admin = kafka.admin();
    await admin.connect();
    await dropNamespace(ns, admin);
    await admin.disconnect();
  });

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const routes = async () => {
    const text = await (await fetch(`${api.url}/metrics`)).text();
    const count = (route: string) => Number(new RegExp(`^es_command_routes_total\\{route="${route}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { direct: count('direct'), fallback: count('fallback'), topic: count('topic') };
  };
  const commandRecords = async () => {
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topics.commands(ns, 'inventory'));
    await admin.disconnect();
    return offsets.reduce((sum, o) => sum + Number(o.high), 0);
  };
  const inventoryEvents = async () =>
    (await readTopic(kafka, topics.events(ns, 'inventory'), { idleMs: 1000 })).map((r) => JSON.parse(r.value!) as EventEnvelope);
  const internal = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${processorPort}${path}`, init);

  it('sends commands to the processor that serves their partition, past the command and replies topics', async () => {
    for (const sku of PRODUCTS) expect((await post('/products', { sku, name: sku })).status).toBe(201);
    // The API learns who serves what when the processor has restored its partitions.
    await waitFor(async () => (await post(`/products/${PRODUCTS[0]}/stock`, { quantity: 1 })).status === 200 && (await routes()).direct > 0, {
      timeoutMs: 20000,
      what: 'a command to take the direct lane',
    });
    const before = { routes: await routes(), records: await commandRecords() };
    for (let i = 0; i < 30; i += 1) {
      const sku = PRODUCTS[i % PRODUCTS.length];
      const res = await post(`/products/${sku}/stock`, { quantity: 1 });
      expect(res).toEqual({ status: 200, body: { sku, version: expect.any(Number), position: expect.any(String) } });
    }
    const after = { routes: await routes(), records: await commandRecords() };

    expect(after.routes.direct - before.routes.direct).toBe(30);
    expect(after.records).toBe(before.records);
    const received = (await inventoryEvents()).filter((e) => e.type === 'StockReceived');
    expect(new Set(received.map((e) => e.commandId)).size).toBe(received.length);
  });

  it('answers a retry with the same Idempotency-Key from the remembered outcome, whichever way each attempt went', async () => {
    const key = randomUUID();
    const first = await post(`/products/${PRODUCTS[1]}/stock`, { quantity: 5 }, { 'Idempotency-Key': key });
    const retry = await post(`/products/${PRODUCTS[1]}/stock`, { quantity: 5 }, { 'Idempotency-Key': key });
    const otherBody = await post(`/products/${PRODUCTS[1]}/stock`, { quantity: 6 }, { 'Idempotency-Key': key });

    expect(first.status).toBe(200);
    expect(retry).toEqual(first);
    expect(otherBody.status).toBe(422);
  });

  it('refuses anonymous, malformed and misdirected requests on the processor with problem+json, and they change nothing', async () => {
    const eventsBefore = (await inventoryEvents()).length;
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const envelope = {
      commandId: randomUUID(),
      type: 'ReceiveStock',
      context: 'inventory',
      aggregateId: PRODUCTS[0],
      data: { sku: PRODUCTS[0], quantity: 1 },
      correlationId: 'hostile',
      causationId: null,
      fingerprint: 'x',
      replyTo: null,
      sentAt: new Date().toISOString(),
    };
    const cases: [string, RequestInit, number][] = [
      ['/internal/commands', { method: 'POST', body: JSON.stringify([envelope]), headers: { 'content-type': 'application/json' } }, 401],
      ['/internal/commands', { method: 'POST', body: JSON.stringify([envelope]), headers: { ...auth, authorization: 'Bearer wrong-token-wrong-token' } }, 401],
      ['/internal/partitions', {}, 401],
      ['/internal/commands', { method: 'POST', body: '{"data":null}', headers: auth }, 400],
      ['/internal/commands', { method: 'POST', body: '[]', headers: auth }, 400],
      ['/internal/commands', { method: 'POST', body: '\u0000', headers: auth }, 400],
      ['/internal/commands', { method: 'POST', body: 'x'.repeat(5 * 1024 * 1024), headers: auth }, 413],
    ];
    for (const [path, init, status] of cases) {
      const res = await internal(path, init);
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, status, expect.stringMatching(/^application\/problem\+json/)]);
    }
    // Per command: a line each, in the order they are settled.
    const mixed = await internal('/internal/commands', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify([{ ...envelope, data: { sku: PRODUCTS[1], quantity: 1 } }, { ...envelope, context: 'billing' }, null, { data: null }]),
    });
    const lines = (await mixed.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number; status: number })
      .sort((a, b) => a.i - b.i);

    expect(mixed.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(lines.map((l) => [l.i, l.status])).toEqual([
      [0, 400],
      [1, 421],
      [2, 400],
      [3, 400],
    ]);
    const partitions = await (await internal('/internal/partitions', { headers: auth })).json();

    expect(partitions).toEqual({ partitionCount: PARTITIONS, partitions: { orders: [], inventory: [0, 1, 2] } });
    expect((await inventoryEvents()).length).toBe(eventsBefore);
  });

  it('loses no acknowledged command and doubles none when the processor is killed under a stream of writes', async () => {
    const acknowledged: { sku: string; version: number }[] = [];
    let failed = 0;
    const stream = Array.from({ length: 400 }, async (_, i) => {
      // Spread over ~2 s so that the kill lands mid-stream.
      await new Promise((r) => setTimeout(r, i * 5));
      const sku = PRODUCTS[i % PRODUCTS.length];
      const res = await post(`/products/${sku}/stock`, { quantity: 1 }, { 'Idempotency-Key': randomUUID() }).catch(() => undefined);
      if (res?.status === 200) acknowledged.push({ sku, version: res.body.version as number });
      else failed += 1;
    });
    await new Promise((r) => setTimeout(r, 700));
    const routesAtKill = await routes();
    await processor!.kill();
    processor = await startApp('command-processor', env, { port: processorPort });
    await Promise.all(stream);
    const routesAfter = await routes();

    const events = await inventoryEvents();
    const received = events.filter((e) => e.type === 'StockReceived');
    const byAggregateVersion = new Set(received.map((e) => `${e.aggregateId}@${e.version}`));

    expect(routesAtKill.direct).toBeGreaterThan(0);
    // While the processor was away, commands went through the topic (and waited for it there).
    expect(routesAfter.fallback + routesAfter.topic).toBeGreaterThan(routesAtKill.fallback + routesAtKill.topic);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.length + failed).toBe(400);
    expect(acknowledged.filter((a) => !byAggregateVersion.has(`${a.sku}@${a.version}`))).toEqual([]);
    expect(new Set(received.map((e) => e.commandId)).size).toBe(received.length);
    for (const sku of PRODUCTS) {
      const versions = events.filter((e) => e.aggregateId === sku).map((e) => e.version);
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
    }
  });
});
