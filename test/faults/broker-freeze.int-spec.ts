import { join } from 'node:path';
import { AppProcess, randomNamespace, startApp, waitFor } from '@es/testing';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startKafka } = require('../../tools/kafka/launcher');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { throwawayDir } = require('../../tools/postgres/launcher');

interface KafkaHandle {
  brokers: string;
  pid: number;
  stop(): Promise<void>;
}

const COMMAND_TIMEOUT_MS = 4000;
/** Past the command timeout or the 2 s health and broker-answer bounds: scheduling on a busy machine. */
const SLACK_MS = 1500;

/**
 * A broker that stops answering without closing its connections — a long GC or VM pause, a stuck
 * disk, a network cut without resets — SIGSTOPped here. Unlike a dead broker (broker-restart), no
 * request fails: kafkajs waits for its request timeout (30 s) and retries. Every HTTP answer must
 * still come within its own bound: a command within COMMAND_TIMEOUT_MS (503 if it never left the
 * send queue, 504 if it did), GET /projections and a projector's /metrics within ~2 s (lag
 * unknown), /health 503 within its 2 s check timeout. Found by hand (2026-12-07): commands waited
 * 17–25 s, GET /projections and a projector's /metrics as long as the pause.
 */
describe('a broker that stops answering (SIGSTOP) under the running system', () => {
  const ns = randomNamespace('frz');
  let kafka: KafkaHandle;
  let frozen = false;
  const apps: Record<string, AppProcess> = {};
  const names = ['command-processor', 'orders-projector', 'query-api', 'command-api'];

  const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const started = Date.now();
    const value = await work();
    return { value, ms: Date.now() - started };
  };
  const get = (app: string, path: string) =>
    fetch(`${apps[app].url}${path}`, { signal: AbortSignal.timeout(60000) }).then(async (res) => ({ status: res.status, text: await res.text() }));
  const place = (key: string) =>
    fetch(`${apps['command-api'].url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify({ customerId: `c-${ns}`, lines: [{ sku: 'FRZ-1', quantity: 1, unitPriceCents: 100 }] }),
      signal: AbortSignal.timeout(60000),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));

  beforeAll(async () => {
    kafka = await startKafka({ dataDir: join(throwawayDir('es-freeze-kafka-'), 'kafka'), port: 0, log: false });
    const env = {
      ES_NAMESPACE: ns,
      TOPIC_PARTITIONS: '2',
      KAFKA_BROKERS: kafka.brokers,
      ADMIN_TOKEN: 'broker-freeze-admin-token',
      COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
    };
    for (const name of names) apps[name] = await startApp(name, env);
    const registered = await fetch(`${apps['command-api'].url}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'FRZ-1', name: 'Frozen anvil' }),
    });
    expect(registered.status).toBe(201);
    expect((await place(`${ns}-before`)).status).toBe(201);
  }, 110000);

  afterAll(async () => {
    if (frozen) process.kill(kafka.pid, 'SIGCONT');
    await Promise.all(Object.values(apps).map((a) => a.stop()));
    await kafka?.stop();
  });

  it('answers every request within its own bound while the broker is paused, and applies each retried command once afterwards', async () => {
    process.kill(kafka.pid, 'SIGSTOP');
    frozen = true;
    const frozenAt = Date.now();
    // Three commands 1.5 s apart: the first is in the hung produce (504), the later ones wait behind it (503).
    const keys = [0, 1, 2].map((i) => `${ns}-frozen-${i}`);
    const commands = Promise.all(
      keys.map(async (key, i) => {
        await new Promise((r) => setTimeout(r, i * 1500));
        return timed(() => place(key));
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    const [projections, metrics, ...healths] = await Promise.all([
      timed(() => get('query-api', '/projections')),
      timed(() => get('orders-projector', '/metrics')),
      ...names.map((name) => timed(() => get(name, '/health'))),
    ]);
    const answered = await commands;
    process.stderr.write(
      `[broker-freeze] while paused: commands ${answered.map((c) => `${c.value.status} in ${c.ms} ms`).join(', ')}; ` +
        `GET /projections ${projections.value.status} in ${projections.ms} ms; projector /metrics ${metrics.value.status} in ${metrics.ms} ms; ` +
        `/health ${healths.map((h, i) => `${names[i]} ${h.value.status} in ${h.ms} ms`).join(', ')}\n`,
    );
    expect(Date.now() - frozenAt).toBeLessThan(20000); // everything above came back while the broker was still paused
    for (const c of answered) {
      expect([503, 504]).toContain(c.value.status);
      expect(c.ms).toBeLessThan(COMMAND_TIMEOUT_MS + SLACK_MS);
    }
    expect(answered.map((c) => c.value.status)).toContain(503); // one at least never left the queue: a definite "not sent"
    expect(projections.value.status).toBe(200);
    expect(projections.ms).toBeLessThan(2000 + SLACK_MS);
    expect(metrics.value.status).toBe(200);
    expect(metrics.ms).toBeLessThan(2000 + SLACK_MS);
    for (const [i, h] of healths.entries()) {
      expect({ app: names[i], status: h.value.status }).toEqual({ app: names[i], status: 503 });
      expect(h.ms).toBeLessThan(2000 + SLACK_MS);
    }

    process.kill(kafka.pid, 'SIGCONT');
    frozen = false;
    // Clients retry with the same Idempotency-Key, as docs/api.md tells them to: one order per key.
    const orderIds = await Promise.all(
      keys.map((key) =>
        waitFor(
          async () => {
            const res = await place(key);
            return res.status === 201 && (res.body.orderId as string);
          },
          { timeoutMs: 60000, intervalMs: 500, what: `the command with key ${key} to be accepted after the pause` },
        ),
      ),
    );
    expect(new Set(orderIds).size).toBe(keys.length);
    const listed = await waitFor(
      async () => {
        const res = await get('query-api', `/orders?customerId=c-${ns}&limit=100`);
        const items = (JSON.parse(res.text) as { items: { orderId: string }[] }).items;
        return items.length >= keys.length + 1 && items;
      },
      { timeoutMs: 30000, intervalMs: 500, what: 'the orders to be projected' },
    );
    await new Promise((r) => setTimeout(r, 2000)); // a doubled command would show up by now
    const again = JSON.parse((await get('query-api', `/orders?customerId=c-${ns}&limit=100`)).text) as { items: { orderId: string }[] };
    expect(again.items.length).toBe(listed.length);
    expect(again.items.length).toBe(keys.length + 1);
    for (const id of orderIds) expect(again.items.map((o) => o.orderId)).toContain(id);
    await waitFor(async () => (await Promise.all(names.map((n) => get(n, '/health')))).every((h) => h.status === 200), {
      timeoutMs: 60000,
      intervalMs: 500,
      what: 'every app to be healthy after the pause',
    });
  }, 200000);
});
