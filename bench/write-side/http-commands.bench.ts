/**
 * Commands through the HTTP API (command-api → Kafka → command-processor → reply), at a fixed rate
 * and at saturation, beside a baseline measured in the same run: the raw kafkajs transactional
 * producer writing the same events (one transaction per event, and batches of 100).
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/write-side/http-commands.bench.ts [--rates 500,1000,1500] [--seconds 20] [--concurrency 64,256]
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { serializeEvent, type EventEnvelope } from '@es/event-store';
import { TRANSACTIONAL_RETRY } from '@es/kafka';
import { randomNamespace, startApp } from '@es/testing';
import { benchInfra, report, round, runBench, summarize } from '../lib/bench-infra';
import { fixedRate, LoadResult, post, saturate } from '../lib/http-load';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const list = (name: string, fallback: number[]) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1].split(',').map(Number) : fallback;
};
const RATES = list('rates', [500, 1000, 1500]);
const SECONDS = arg('seconds', 20);
const CONCURRENCY = list('concurrency', [64, 256]);
const PRODUCTS = 1000;

function row(name: string, r: LoadResult) {
  const s = summarize(r.latenciesMs);
  return { scenario: name, 'ok/s': round(r.ok / r.seconds, 0), ok: r.ok, failed: r.failed, 'p50 ms': s.p50, 'p99 ms': s.p99, 'max ms': s.max };
}

async function baseline(kafka: Kafka, ns: string, events: number, perTransaction: number): Promise<LoadResult> {
  const admin = kafka.admin();
  await admin.connect();
  const topic = `${ns}.baseline.events`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({
    transactionalId: `${ns}.baseline.${perTransaction}`,
    idempotent: true,
    maxInFlightRequests: 1,
    retry: TRANSACTIONAL_RETRY,
  });
  await producer.connect();
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < events; i += perTransaction) {
    const t0 = performance.now();
    const tx = await producer.transaction();
    const messages = Array.from({ length: Math.min(perTransaction, events - i) }, (_, j) => {
      const sku = `SKU-${(i + j) % PRODUCTS}`;
      const e: EventEnvelope = {
        eventId: randomUUID(),
        type: 'StockReceived',
        schemaVersion: 1,
        context: 'inventory',
        aggregateType: 'Product',
        aggregateId: sku,
        version: i + j + 2,
        commandId: randomUUID(),
        correlationId: randomUUID(),
        causationId: null,
        occurredAt: new Date().toISOString(),
        payload: { sku, quantity: 1 },
      };
      return serializeEvent(e);
    });
    await tx.send({ topic, messages, acks: -1 });
    await tx.commit();
    const ms = performance.now() - t0;
    for (let j = 0; j < messages.length; j += 1) latencies.push(ms);
  }
  await producer.disconnect();
  return { sent: events, ok: events, failed: 0, seconds: (performance.now() - start) / 1000, latenciesMs: latencies };
}

async function main() {
  const infra = await benchInfra();
  const ns = randomNamespace('h');
  const env = { ES_NAMESPACE: ns };
  const processor = await startApp('command-processor', env);
  const api = await startApp('command-api', env);
  const kafka = new Kafka({ clientId: 'bench', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  try {
    for (let i = 0; i < PRODUCTS; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => post(`${api.url}/products`, { sku: `SKU-${i + j}`, name: `Product ${i + j}` })));
    }
    const receive = async (i: number) => (await post(`${api.url}/products/SKU-${i % PRODUCTS}/stock`, { quantity: 1 })).status === 200;
    // Warm-up: JIT, connections, partition restore; shorter ones showed inflated open-loop latency.
    await saturate(16, 10, receive);
    const rows = [];
    for (const rate of RATES) {
      process.stderr.write(`fixed rate ${rate}/s for ${SECONDS}s…\n`);
      rows.push(row(`HTTP fixed rate ${rate}/s`, await fixedRate(rate, SECONDS, receive)));
    }
    let best: LoadResult | undefined;
    for (const clients of CONCURRENCY) {
      process.stderr.write(`saturation with ${clients} clients for ${SECONDS}s…\n`);
      const saturated = await saturate(clients, SECONDS, receive);
      rows.push(row(`HTTP saturation (${clients} clients)`, saturated));
      if (!best || saturated.ok / saturated.seconds > best.ok / best.seconds) best = saturated;
    }
    process.stderr.write('baselines…\n');
    const single = await baseline(kafka, ns, 3000, 1);
    const batched = await baseline(kafka, ns, best!.ok, 100);
    rows.push(row('baseline: kafkajs tx per event', single), row('baseline: kafkajs tx per 100 events', batched));
    rows.push({
      scenario: 'ratio best HTTP saturation / tx-per-event baseline',
      'ok/s': round(best!.ok / best!.seconds / (single.ok / single.seconds)),
      ok: 0,
      failed: 0,
      'p50 ms': NaN,
      'p99 ms': NaN,
      'max ms': NaN,
    });
    report('write-side-http-commands', rows, { rates: RATES, seconds: SECONDS, concurrency: CONCURRENCY });
  } finally {
    await api.stop();
    await processor.stop();
    await infra.stop();
  }
}

runBench(main);
