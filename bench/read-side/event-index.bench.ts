/**
 * The event index (issue 10): its rebuild rate from offset 0 beside the orders projection's, on the
 * same topic in the same run (both through the shared ProjectionRunner, rebuild mode), and
 * `GET /streams/orders/{id}/events` latency for an aggregate with a long history (1,000 events by
 * default) under 100 concurrent readers (closed loop), against the built query API; then
 * `GET /streams/orders/{id}/state` of that aggregate (a fold of its whole history): alone, and with
 * `--state-readers` folding at once while one client reads a small page (what a long fold costs
 * everyone else), with the query API's resident size; the same for `/correlations` of 10,000 events
 * under one id and for `/rates?minutes=60` with `--rates-readers` clients asking for different
 * bucket sizes.
 *
 *   npx nx run-many -t build -p query-api
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/read-side/event-index.bench.ts [--events 200000] [--partitions 3] [--readers 100] [--seconds 20] [--long 1000] [--state-readers 4] [--rates-readers 16] [--label name]
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { JsonLogger } from '@es/common';
import { serializeEvent, type EventEnvelope } from '@es/event-store';
import { namespaceTopics, provisionTopics, topics } from '@es/kafka';
import { eventIndexSpec, orderSummaryFolds, ProjectionRunner, type FoldHandler, type ProjectionSpec } from '@es/projections';
import { createDataSource, META_MIGRATIONS, metaSchema, migrate, orderSummaryStore, PROJECTIONS, ProjectionMetaRepository } from '@es/read-models';
import { dropNamespace, randomNamespace, startApp } from '@es/testing';
import { orderEnvelope } from '../lib/order-envelopes';
import { benchInfra, progress, report, round, runBench, summarize } from '../lib/bench-infra';
import { machineBusyTicks } from '../lib/proc-sampler';
import { get, saturate } from '../lib/http-load';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 200_000);
const PARTITIONS = arg('partitions', 3);
const READERS = arg('readers', 100);
const SECONDS = arg('seconds', 20);
const LONG_STREAM = arg('long', 1000);
const STATE_READERS = arg('state-readers', 4);
const TRACE_EVENTS = arg('trace', 10_000);
/** More than the query API's pool (10): what a few clients in a loop do to every other read. */
const RATES_READERS = arg('rates-readers', 16);
const LABEL = (() => {
  const i = process.argv.indexOf('--label');
  return i > 0 ? `-${process.argv[i + 1]}` : '';
})();

/** Resident and peak resident size of a process, MiB (Linux /proc). */
function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: round(kib('VmRSS') / 1024, 0), peakMiB: round(kib('VmHWM') / 1024, 0) };
}

/**
 * Orders placed then confirmed or rejected (~2.5 events each), and one order with a LONG_STREAM-event
 * history; the first orders' events (up to TRACE_EVENTS) all carry one correlation id, as a client
 * that sends one X-Correlation-Id with every request would make them.
 */
function* orderEvents(count: number, longId: string, sharedCorrelation: string): Generator<EventEnvelope> {
  // Within the last 15 minutes (1 ms apart): every event counts in `/rates?minutes=60`.
  let clock = Date.now() - 900_000;
  let shared = 0;
  const make = (orderId: string, version: number, type: string, payload: unknown): EventEnvelope =>
    orderEnvelope(orderId, version, type, payload, new Date(clock++), orderId !== longId && shared++ < TRACE_EVENTS ? sharedCorrelation : orderId);
  const lines = [
    { sku: 'sku-1', quantity: 1, unitPriceCents: 100 },
    { sku: 'sku-2', quantity: 2, unitPriceCents: 250 },
  ];
  yield make(longId, 1, 'OrderPlaced', { orderId: longId, customerId: 'c-long', lines, totalCents: 600 });
  for (let v = 2; v <= LONG_STREAM; v++) yield make(longId, v, 'OrderLineReserved', { orderId: longId, sku: 'sku-1', quantity: 1 });
  let produced = LONG_STREAM;
  for (let i = 0; produced < count; i++) {
    const orderId = randomUUID();
    const stream = [make(orderId, 1, 'OrderPlaced', { orderId, customerId: `customer-${i % 5000}`, lines, totalCents: 600 })];
    stream.push(
      i % 2 === 0
        ? make(orderId, 2, 'OrderConfirmed', { orderId })
        : make(orderId, 2, 'OrderRejected', { orderId, reason: 'insufficient stock', rejectedSkus: ['sku-1'], reservedSkus: [] }),
    );
    if (i % 2 === 0) stream.push(make(orderId, 3, 'OrderShipped', { orderId, lines }));
    for (const e of stream) {
      if (produced++ >= count) return;
      yield e;
    }
  }
}

async function produce(kafka: Kafka, ns: string, events: Iterable<EventEnvelope>, total: number): Promise<void> {
  const producer = kafka.producer({ transactionalId: `${ns}.bench.${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const started = Date.now();
  let done = 0;
  let chunk: EventEnvelope[] = [];
  const flush = async () => {
    const tx = await producer.transaction();
    await tx.send({ topic: topics.events(ns, 'orders'), messages: chunk.map((e) => serializeEvent(e)) });
    await tx.commit();
    done += chunk.length;
    chunk = [];
    progress('producing', done, total, started);
  };
  for (const e of events) {
    chunk.push(e);
    if (chunk.length === 1500) await flush();
  }
  if (chunk.length) await flush();
  await producer.disconnect();
}

/** Runs one spec as a rebuild from offset 0 until every partition's checkpoint reaches its end; seconds. */
async function rebuild(spec: ProjectionSpec<any>, ns: string, kafka: Kafka, pool: Pool): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topics.events(ns, 'orders'));
  const meta = new ProjectionMetaRepository(ns);
  const runner = new ProjectionRunner(
    spec,
    1,
    { kafka, admin, pool, databaseUrl: process.env.DATABASE_URL!, namespace: ns, logger: new JsonLogger('bench', 'error') },
    { rebuild: true },
  );
  const started = Date.now();
  await runner.start();
  for (;;) {
    const cps = await meta.checkpointsOf(pool, spec.info.name, 1);
    const done = cps.reduce((s, c) => s + c.offset + 1, 0);
    progress(`rebuild ${spec.info.name}`, Math.min(done, EVENTS), EVENTS, started);
    if (ends.every((e) => Number(e.high) === 0 || (cps.find((c) => c.partition === e.partition)?.offset ?? -1) >= Number(e.high) - 2)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (Date.now() - started) / 1000;
  runner.promoteToLive();
  await runner.stop();
  await admin.disconnect();
  return seconds;
}

/**
 * What one expensive read costs: three in a row, then STATE_READERS at once for SECONDS while one
 * client reads a 10-event page of the long aggregate (its latency against the same reads with
 * nothing else running). A query API that died shows as failed requests and `exited`.
 */
async function pressure(
  label: string,
  request: (i: number) => Promise<boolean>,
  page: () => Promise<boolean>,
  pid: number,
  quietP50: number,
  readers = STATE_READERS,
): Promise<Record<string, unknown>[]> {
  const memory = () => {
    try {
      return memoryOf(pid);
    } catch {
      return { exited: true };
    }
  };
  const alone: number[] = [];
  let failedAlone = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    if (!(await request(i).catch(() => false))) failedAlone++;
    alone.push(performance.now() - t0);
  }
  const a = summarize(alone);
  const rows: Record<string, unknown>[] = [{ scenario: `${label}, 3 in a row`, failed: failedAlone, 'p50 ms': a.p50, 'max ms': a.max, ...memory() }];
  const ticksBefore = machineBusyTicks();
  const [load, pages] = await Promise.all([saturate(readers, SECONDS, request), saturate(1, SECONDS, page)]);
  const busyCores = round((machineBusyTicks() - ticksBefore) / 100 / load.seconds, 2);
  const l = summarize(load.latenciesMs);
  const p = summarize(pages.latenciesMs);
  rows.push({
    scenario: `${label}, ${readers} concurrent readers, ${SECONDS} s`,
    'req/s': round(load.ok / load.seconds, 2),
    failed: load.failed,
    'p50 ms': l.p50,
    'p99 ms': l.p99,
    'max ms': l.max,
    'machine busy, cores': busyCores,
    ...memory(),
  });
  rows.push({
    scenario: `  GET …/events?limit=10 meanwhile, one client`,
    'req/s': round(pages.ok / pages.seconds, 0),
    failed: pages.failed,
    'p50 ms': p.p50,
    'p99 ms': p.p99,
    'max ms': p.max,
    'p50 vs quiet': round(p.p50 / quietP50, 1),
  });
  return rows;
}

/** `/state` of the long aggregate (a fold of its whole history) and `/correlations` of the shared correlation id. */
async function expensiveReads(url: string, pid: number, longId: string, sharedCorrelation: string): Promise<Record<string, unknown>[]> {
  const page = async () => (await get(`${url}/streams/orders/${longId}/events?limit=10`)).status === 200;
  const fold = async () => {
    const res = await get(`${url}/streams/orders/${longId}/state`);
    return res.status === 200 && JSON.parse(res.body).version === LONG_STREAM;
  };
  const trace = async () => {
    const res = await get(`${url}/correlations/${sharedCorrelation}`);
    return res.status === 200 && JSON.parse(res.body).events.length === Math.min(TRACE_EVENTS, 5000);
  };
  const quiet = await saturate(1, 5, page);
  const q = summarize(quiet.latenciesMs);
  return [
    {
      scenario: 'GET …/events?limit=10, one client, nothing else running',
      'req/s': round(quiet.ok / quiet.seconds, 0),
      failed: quiet.failed,
      'p50 ms': q.p50,
      'p99 ms': q.p99,
      'max ms': q.max,
      ...memoryOf(pid),
    },
    ...(await pressure(`GET …/state of the ${LONG_STREAM}-event aggregate`, fold, page, pid, q.p50)),
    ...(await pressure(`GET /correlations/{id} with ${TRACE_EVENTS} events under the id (5,000 listed)`, trace, page, pid, q.p50)),
    // Each reader its own bucket size: what a client does to get past a cache of identical requests.
    ...(await pressure(
      `GET /rates?minutes=60&bucketSeconds=1|2|3|5 over ${EVENTS.toLocaleString()} events`,
      async (i) => (await get(`${url}/rates?minutes=60&bucketSeconds=${[1, 2, 3, 5][i % 4]}`)).status === 200,
      page,
      pid,
      q.p50,
      RATES_READERS,
    )),
  ];
}

async function main() {
  const infra = await benchInfra();
  const kafka = new Kafka({ clientId: 'bench-event-index', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
  // The throwaway database stops at the end while idle clients may still be open: not a crash.
  pool.on('error', () => undefined);
  const ns = randomNamespace('b');
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, namespaceTopics(ns, { partitions: PARTITIONS, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
  const meta = createDataSource({ url: process.env.DATABASE_URL!, schema: metaSchema(ns), migrations: META_MIGRATIONS });
  await meta.initialize();
  await migrate(meta);
  await meta.destroy();
  const longId = randomUUID();
  const sharedCorrelation = `bench-${randomUUID()}`;
  try {
    await produce(kafka, ns, orderEvents(EVENTS, longId, sharedCorrelation), EVENTS);
    const orders: ProjectionSpec<any> = {
      info: PROJECTIONS.orders,
      store: orderSummaryStore,
      folds: new Map<string, FoldHandler<any>>(Object.entries(orderSummaryFolds)),
      deadLetterPolicy: 'stop',
      maxAttempts: 3,
    };
    const ordersSeconds = await rebuild(orders, ns, kafka, pool);
    const indexSeconds = await rebuild(eventIndexSpec(PROJECTIONS['event-index-orders'], { deadLetterPolicy: 'stop', maxAttempts: 3 }), ns, kafka, pool);

    const api = await startApp('query-api', {
      ES_NAMESPACE: ns,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      DATABASE_URL: process.env.DATABASE_URL,
      LOG_LEVEL: 'error',
    });
    const rows: Record<string, unknown>[] = [
      {
        scenario: `rebuild from offset 0: orders projection (${EVENTS.toLocaleString()} events)`,
        'events/s': round(EVENTS / ordersSeconds, 0),
        seconds: round(ordersSeconds, 1),
      },
      {
        scenario: `rebuild from offset 0: event index (same topic, same run)`,
        'events/s': round(EVENTS / indexSeconds, 0),
        seconds: round(indexSeconds, 1),
        'vs orders': round(ordersSeconds / indexSeconds, 2),
      },
    ];
    try {
      for (const limit of [1000, 100]) {
        const url = `${api.url}/streams/orders/${longId}/events?limit=${limit}`;
        const check = JSON.parse((await get(url)).body);
        if (check.items?.length !== limit) throw new Error(`expected ${limit} events, got ${check.items?.length}`);
        await saturate(READERS, 3, async () => (await get(url)).status === 200); // warm-up
        const load = await saturate(READERS, SECONDS, async () => (await get(url)).status === 200);
        const s = summarize(load.latenciesMs);
        rows.push({
          scenario: `GET /streams/orders/{id}/events?limit=${limit} of a ${LONG_STREAM}-event aggregate, ${READERS} concurrent readers, ${SECONDS} s`,
          'req/s': round(load.ok / load.seconds, 0),
          failed: load.failed,
          'p50 ms': s.p50,
          'p99 ms': s.p99,
          'max ms': s.max,
        });
      }
      rows.push(...(await expensiveReads(api.url, api.child.pid!, longId, sharedCorrelation)));
    } finally {
      await api.stop();
    }
    report(`read-side-event-index-${EVENTS}${LABEL}`, rows, {
      events: EVENTS,
      partitions: PARTITIONS,
      readers: READERS,
      seconds: SECONDS,
      longStream: LONG_STREAM,
      stateReaders: STATE_READERS,
      traceEvents: TRACE_EVENTS,
      ratesReaders: RATES_READERS,
    });
  } finally {
    await dropNamespace(ns, admin, pool);
    await admin.disconnect();
    await pool.end();
    await infra.stop();
  }
}

runBench(main);
