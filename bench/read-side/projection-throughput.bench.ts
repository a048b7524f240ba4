/**
 * Read-side throughput (issue 4): the projector runtime rebuilding the orders projection from
 * offset 0, and applying a live stream, each beside a baseline measured in the same run — a plain
 * multi-row INSERT … ON CONFLICT of the same rows through pg (no Kafka, no checkpoint, no fold
 * machinery): the ratio says what the runtime costs on top of the database writes it has to do.
 * Target: rebuild ≥ 30,000 events/s.
 *
 * The third row rebuilds the same topic once more through the deployable (`orders-projector
 * rebuild`, built dist, Nest handlers, blue/green switch), process start included.
 *
 *   npx nest build orders-projector
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/read-side/projection-throughput.bench.ts [--events 1000000] [--live 100000] [--partitions 3]
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { JsonLogger } from '@es/common';
import { serializeEvent, type EventEnvelope, type StoredEvent } from '@es/event-store';
import { namespaceTopics, provisionTopics, topics } from '@es/kafka';
import { orderSummaryFolds, ProjectionRunner, type FoldHandler, type ProjectionSpec } from '@es/projections';
import {
  createDataSource,
  META_MIGRATIONS,
  metaSchema,
  migrate,
  orderSummaryStore,
  PROJECTIONS,
  ProjectionMetaRepository,
  projectionSchema,
  type OrderSummaryRow,
} from '@es/read-models';
import { dropNamespace, randomNamespace } from '@es/testing';
import { orderEnvelope } from '../lib/order-envelopes';
import { benchInfra, progress, report, round, runBench } from '../lib/bench-infra';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 1_000_000);
const LIVE = arg('live', Math.max(10_000, Math.round(EVENTS / 10)));
const PARTITIONS = arg('partitions', 3);
const BASELINE_CHUNK = 2000;

/** Orders placed, then confirmed or rejected, some shipped: ~2.7 events per order, like the workload tests. */
function* orderEvents(count: number, startAt = Date.now()): Generator<EventEnvelope> {
  let produced = 0;
  let clock = startAt;
  const make = (orderId: string, version: number, type: string, payload: unknown): EventEnvelope =>
    orderEnvelope(orderId, version, type, payload, new Date(clock++));
  for (let i = 0; produced < count; i++) {
    const orderId = randomUUID();
    const lines = [
      { sku: `sku-${i % 500}`, quantity: 1 + (i % 3), unitPriceCents: 100 + (i % 1000) },
      { sku: `sku-${(i + 7) % 500}`, quantity: 2, unitPriceCents: 250 },
    ];
    const stream = [
      make(orderId, 1, 'OrderPlaced', {
        orderId,
        customerId: `customer-${i % 5000}`,
        lines,
        totalCents: lines.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0),
      }),
    ];
    if (i % 3 === 0) stream.push(make(orderId, 2, 'OrderRejected', { orderId, reason: 'insufficient stock', rejectedSkus: [lines[0].sku], reservedSkus: [] }));
    else {
      stream.push(make(orderId, 2, 'OrderConfirmed', { orderId }));
      if (i % 3 === 2) stream.push(make(orderId, 3, 'OrderShipped', { orderId, lines }));
    }
    for (const e of stream) {
      if (produced++ >= count) return;
      yield e;
    }
  }
}

async function produce(kafka: Kafka, ns: string, events: Iterable<EventEnvelope>, total: number, label: string): Promise<EventEnvelope[]> {
  const producer = kafka.producer({ transactionalId: `${ns}.bench.${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const all: EventEnvelope[] = [];
  const started = Date.now();
  let chunk: EventEnvelope[] = [];
  const flush = async () => {
    const tx = await producer.transaction();
    await tx.send({ topic: topics.events(ns, 'orders'), messages: chunk.map((e) => serializeEvent(e)) });
    await tx.commit();
    all.push(...chunk);
    chunk = [];
    progress(label, all.length, total, started);
  };
  for (const e of events) {
    chunk.push(e);
    if (chunk.length === 1500) await flush(); // one record batch per partition stays under 1 MiB
  }
  if (chunk.length) await flush();
  await producer.disconnect();
  return all;
}

async function caughtUp(pool: Pool, kafka: Kafka, ns: string, version: number): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topics.events(ns, 'orders'));
  await admin.disconnect();
  const cps = await new ProjectionMetaRepository(ns).checkpointsOf(pool, 'orders', version);
  return ends.every((e) => Number(e.high) === 0 || (cps.find((c) => c.partition === e.partition)?.offset ?? -1) >= Number(e.high) - 2);
}

async function runProjection(ns: string, kafka: Kafka, pool: Pool, version: number, rebuild: boolean): Promise<ProjectionRunner<OrderSummaryRow>> {
  const folds = new Map<string, FoldHandler<OrderSummaryRow>>(Object.entries(orderSummaryFolds));
  const spec: ProjectionSpec<OrderSummaryRow> = { info: PROJECTIONS.orders, store: orderSummaryStore, folds, deadLetterPolicy: 'stop', maxAttempts: 3 };
  const admin = kafka.admin();
  await admin.connect();
  const runner = new ProjectionRunner(
    spec,
    version,
    {
      kafka,
      admin,
      pool,
      databaseUrl: process.env.DATABASE_URL!,
      namespace: ns,
      logger: new JsonLogger('bench', 'error'),
    },
    { rebuild },
  );
  await runner.start();
  return runner;
}

/** The same rows, written in chunks of the same events by the plainest means: VALUES lists through pg. */
async function baseline(pool: Pool, schema: string, events: EventEnvelope[]): Promise<number> {
  await pool.query(`TRUNCATE "${schema}".orders, "${schema}".order_lines`);
  const started = process.hrtime.bigint();
  const rows = new Map<string, OrderSummaryRow>();
  for (let i = 0; i < events.length; i += BASELINE_CHUNK) {
    const changed = new Map<string, { row: OrderSummaryRow; isNew: boolean }>();
    for (const e of events.slice(i, i + BASELINE_CHUNK)) {
      const before = rows.get(e.aggregateId);
      const next = (orderSummaryFolds as any)[e.type](before, e as StoredEvent);
      if (!next) continue;
      rows.set(e.aggregateId, next);
      changed.set(e.aggregateId, { row: next, isNew: changed.get(e.aggregateId)?.isNew ?? before === undefined });
    }
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const list = [...changed.values()];
      for (let j = 0; j < list.length; j += 4000) {
        const part = list.slice(j, j + 4000);
        const params: unknown[] = [];
        const values = part.map(({ row: r }) => {
          const b = params.length;
          params.push(r.orderId, r.customerId, r.status, r.totalCents, r.rejectionReason, r.createdAt, r.updatedAt, r.version);
          return `($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7},$${b + 8})`;
        });
        await client.query(
          `INSERT INTO "${schema}".orders (order_id, customer_id, status, total_cents, rejection_reason, created_at, updated_at, version) VALUES ${values.join(',')}
           ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, rejection_reason = EXCLUDED.rejection_reason, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version`,
          params,
        );
        const lineParams: unknown[] = [];
        const lineValues: string[] = [];
        for (const { row: r, isNew } of part) {
          if (!isNew || !r.lines) continue;
          r.lines.forEach((l, n) => {
            const b = lineParams.length;
            lineParams.push(r.orderId, n + 1, l.sku, l.quantity, l.unitPriceCents);
            lineValues.push(`($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5})`);
          });
        }
        if (lineValues.length) {
          await client.query(
            `INSERT INTO "${schema}".order_lines (order_id, line_no, sku, quantity, unit_price_cents) VALUES ${lineValues.join(',')} ON CONFLICT DO NOTHING`,
            lineParams,
          );
        }
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function waitUntil(check: () => Promise<boolean>, label: string, total: number, done: () => Promise<number>): Promise<void> {
  const started = Date.now();
  for (;;) {
    progress(label, Math.min(total, await done()), total, started);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the built CLI against the namespace; returns the time until it reported the switch. */
async function rebuildThroughCli(ns: string): Promise<{ seconds: number; records: number }> {
  const { spawn } = await import('node:child_process');
  const { join } = await import('node:path');
  const started = Date.now();
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'apps', 'orders-projector', 'main.js'), 'rebuild'], {
    env: { ...process.env, ES_NAMESPACE: ns, TOPIC_PARTITIONS: String(PARTITIONS), PROJECTION_DROP_OLD_VERSION_AFTER_MS: '0', LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let records = 0;
  let switchedAt = 0;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    const total = /\((\d+) records\)/.exec(stderr);
    if (total) records = Number(total[1]);
    if (!switchedAt && / is active;/.test(stderr)) switchedAt = Date.now();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0 || !switchedAt) throw new Error(`rebuild CLI failed (${code}):\n${stderr.slice(-2000)}`);
  return { seconds: (switchedAt - started) / 1000, records };
}

async function main() {
  const infra = await benchInfra();
  const kafka = new Kafka({ clientId: 'bench-read-side', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
  const ns = randomNamespace('b');
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, namespaceTopics(ns, { partitions: PARTITIONS, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
  const meta = createDataSource({ url: process.env.DATABASE_URL!, schema: metaSchema(ns), migrations: META_MIGRATIONS });
  await meta.initialize();
  await migrate(meta);
  await meta.destroy();
  const metaRepo = new ProjectionMetaRepository(ns);
  const applied = (version: number) => async () => (await metaRepo.checkpointsOf(pool, 'orders', version)).reduce((s, c) => s + c.offset + 1, 0);
  try {
    // 1. Rebuild: the whole backlog from offset 0.
    const backlog = await produce(kafka, ns, orderEvents(EVENTS), EVENTS, 'producing the backlog');
    const t0 = Date.now();
    const runner = await runProjection(ns, kafka, pool, 1, true);
    await waitUntil(() => caughtUp(pool, kafka, ns, 1), 'rebuild', EVENTS, applied(1));
    const rebuildSeconds = (Date.now() - t0) / 1000;

    // 2. Live: the runner is caught up (and durable commits again, as after a switch); a stream
    //    arrives as fast as one producer writes it.
    runner.promoteToLive();
    const liveEvents: EventEnvelope[] = [];
    const t1 = Date.now();
    const producing = produce(kafka, ns, orderEvents(LIVE, Date.now() + 10_000_000), LIVE, 'live stream').then((e) => liveEvents.push(...e));
    await producing;
    const producedSeconds = (Date.now() - t1) / 1000;
    await waitUntil(
      () => caughtUp(pool, kafka, ns, 1),
      'live apply',
      LIVE,
      async () => (await applied(1)()) - EVENTS,
    );
    const liveSeconds = (Date.now() - t1) / 1000;
    await runner.stop();

    // 3. The same rebuild through the deployable: `orders-projector rebuild` (CLI, Nest
    //    @EventPattern handlers, blue/green switch to v2). Time until the switch, from its progress.
    const cli = await rebuildThroughCli(ns);

    // 4. Baselines: the same rows through plain multi-row INSERT … ON CONFLICT (the CLI's v2 schema, emptied).
    const schema = projectionSchema(ns, 'orders', 2);
    const baseRebuild = await baseline(pool, schema, backlog);
    const baseLive = await baseline(pool, schema, liveEvents);

    const rows = [
      {
        scenario: `rebuild from offset 0 (${EVENTS.toLocaleString()} events)`,
        'events/s': round(EVENTS / rebuildSeconds, 0),
        seconds: round(rebuildSeconds, 1),
        'baseline events/s': round(EVENTS / baseRebuild, 0),
        'baseline s': round(baseRebuild, 1),
        'ratio vs baseline': round(baseRebuild / rebuildSeconds, 2),
      },
      // Live is bounded by what one transactional producer writes; the column that shows the
      // projector's own cost is how long after the last write it had applied everything.
      {
        scenario: `live stream (${LIVE.toLocaleString()} events, producer ${round(LIVE / producedSeconds, 0)}/s)`,
        'events/s': round(LIVE / liveSeconds, 0),
        seconds: round(liveSeconds, 1),
        'baseline events/s': round(LIVE / baseLive, 0),
        'baseline s': round(baseLive, 1),
        'ratio vs baseline': round(baseLive / liveSeconds, 2),
        'applied s after last write': round(liveSeconds - producedSeconds, 2),
      },
      {
        scenario: `rebuild via the projector CLI, Nest handlers (${cli.records.toLocaleString()} records)`,
        'events/s': round(cli.records / cli.seconds, 0),
        seconds: round(cli.seconds, 1),
        'baseline events/s': round(EVENTS / baseRebuild, 0),
        'baseline s': round(baseRebuild, 1),
        'ratio vs baseline': round(cli.records / cli.seconds / (EVENTS / baseRebuild), 2),
      },
    ];
    report(`read-side-projection-throughput-${EVENTS}`, rows, { events: EVENTS, live: LIVE, partitions: PARTITIONS, targetRebuildEventsPerSecond: 30000 });
  } finally {
    await dropNamespace(ns, admin, pool);
    await admin.disconnect();
    await pool.end();
    await infra.stop();
  }
}

runBench(main);
