/**
 * Rehydration from the events (issue 9): the command processor rebuilding its aggregates by folding
 * the events partitions from offset zero (PartitionProcessor.restore({ force: true }): read the state
 * partition, fold every event with the current decider, write fresh state records), beside — in the
 * same run, on the same topic — the projector runtime rebuilding the inventory projection from offset
 * zero, and the processor's ordinary restore from the state topic it has just written.
 * Goal: rehydration ≥ 30,000 events/s and ≥ 0.8× the projection rebuild.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/write-side/rehydration.bench.ts [--events 1000000] [--aggregates 10000] [--partitions 3]
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { JsonLogger } from '@es/common';
import { inventoryContext, type BoundedContextDefinition, type Command, type DomainEvent, type Versioned } from '@es/domain';
import { commandFingerprint, eventIdFor, serializeEvent, type EventEnvelope } from '@es/event-store';
import { groups, KafkaPartitionLog, namespaceTopics, provisionTopics, topics } from '@es/kafka';
import { productStockFolds, ProjectionRunner, type FoldHandler, type ProjectionSpec } from '@es/projections';
import {
  createDataSource,
  META_MIGRATIONS,
  metaSchema,
  migrate,
  productStockStore,
  PROJECTIONS,
  ProjectionMetaRepository,
  type ProductStockRow,
} from '@es/read-models';
import { randomNamespace } from '@es/testing';
import { PartitionProcessor } from '../../apps/command-processor/src/processing/partition-processor';
import { benchInfra, progress, report, round, runBench } from '../lib/bench-infra';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 1_000_000);
const AGGREGATES = arg('aggregates', 10_000);
const PARTITIONS = arg('partitions', 3);
const definition = inventoryContext as unknown as BoundedContextDefinition<Command, DomainEvent, Versioned>;

/** Each product registered, then stock received until EVENTS events exist (interleaved, as live traffic would be). */
function* productEvents(): Generator<EventEnvelope> {
  const versions = new Array<number>(AGGREGATES).fill(0);
  const at = Date.now();
  for (let n = 0; n < EVENTS; n += 1) {
    const i = n % AGGREGATES;
    const sku = `SKU-${i}`;
    const version = (versions[i] += 1);
    const [type, payload] = version === 1 ? ['ProductRegistered', { sku, name: sku }] : ['StockReceived', { sku, quantity: 1 }];
    yield {
      eventId: eventIdFor('Product', sku, version),
      type,
      schemaVersion: 1,
      context: 'inventory',
      aggregateType: 'Product',
      aggregateId: sku,
      version,
      commandId: randomUUID(),
      commandFingerprint: commandFingerprint(type, sku, payload),
      correlationId: 'bench',
      causationId: null,
      occurredAt: new Date(at + n).toISOString(),
      payload,
    };
  }
}

async function produce(kafka: Kafka, ns: string): Promise<void> {
  const producer = kafka.producer({ transactionalId: `${ns}.bench.${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const started = Date.now();
  let chunk: EventEnvelope[] = [];
  let done = 0;
  const flush = async () => {
    const tx = await producer.transaction();
    await tx.send({ topic: topics.events(ns, 'inventory'), messages: chunk.map((e) => serializeEvent(e)) });
    await tx.commit();
    done += chunk.length;
    chunk = [];
    progress('producing the events', done, EVENTS, started);
  };
  for (const e of productEvents()) {
    chunk.push(e);
    if (chunk.length === 3000) await flush();
  }
  if (chunk.length) await flush();
  await producer.disconnect();
}

/** Every partition restored at once, as the processor does on assignment; returns seconds and what it holds. */
async function restoreAll(kafka: Kafka, ns: string, force: boolean) {
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: PARTITIONS }, async (_, partition) => {
      const log = await KafkaPartitionLog.open(kafka, {
        namespace: ns,
        context: 'inventory',
        partition,
        consumerGroupId: groups.commandProcessor(ns, 'inventory'),
      });
      let events = 0;
      const processor = new PartitionProcessor(definition, log, {
        idempotencyWindowMs: 24 * 3_600_000,
        clock: () => new Date().toISOString(),
        eventsTopic: topics.events(ns, 'inventory'),
        onRebuild: (info) => {
          events = info.events;
          console.log(`  partition ${partition}: ${JSON.stringify(info)}`);
        },
      });
      await processor.restore({ force });
      const held = { aggregates: processor.aggregateCount, outcomes: processor.outcomeCount, events };
      await processor.close();
      return held;
    }),
  );
  return {
    seconds: (Date.now() - started) / 1000,
    aggregates: results.reduce((s, r) => s + r.aggregates, 0),
    outcomes: results.reduce((s, r) => s + r.outcomes, 0),
    events: results.reduce((s, r) => s + r.events, 0),
  };
}

async function projectionRebuild(kafka: Kafka, ns: string, pool: Pool): Promise<number> {
  const meta = createDataSource({ url: process.env.DATABASE_URL!, schema: metaSchema(ns), migrations: META_MIGRATIONS });
  await meta.initialize();
  await migrate(meta);
  await meta.destroy();
  const folds = new Map<string, FoldHandler<ProductStockRow>>(Object.entries(productStockFolds) as [string, FoldHandler<ProductStockRow>][]);
  const spec: ProjectionSpec<ProductStockRow> = { info: PROJECTIONS.inventory, store: productStockStore, folds, deadLetterPolicy: 'stop', maxAttempts: 3 };
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topics.events(ns, 'inventory'));
  const started = Date.now();
  const runner = new ProjectionRunner(
    spec,
    1,
    { kafka, admin, pool, databaseUrl: process.env.DATABASE_URL!, namespace: ns, logger: new JsonLogger('bench', 'error') },
    { rebuild: true },
  );
  await runner.start();
  const repo = new ProjectionMetaRepository(ns);
  for (;;) {
    const cps = await repo.checkpointsOf(pool, 'inventory', 1);
    const done = cps.reduce((s, c) => s + c.offset + 1, 0);
    progress('projection rebuild', Math.min(done, EVENTS), EVENTS, started);
    if (ends.every((e) => (cps.find((c) => c.partition === e.partition)?.offset ?? -1) >= Number(e.high) - 2)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (Date.now() - started) / 1000;
  await runner.stop();
  await admin.disconnect();
  return seconds;
}

async function main() {
  const infra = await benchInfra();
  const kafka = new Kafka({ clientId: 'bench-rehydration', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
  const ns = randomNamespace('br');
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, namespaceTopics(ns, { partitions: PARTITIONS, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
  await admin.disconnect();
  try {
    await produce(kafka, ns);
    console.log('rehydrating from offset zero…');
    const rebuild = await restoreAll(kafka, ns, true);
    console.log('restoring from the state topic…');
    const restore = await restoreAll(kafka, ns, false);
    const projection = await projectionRebuild(kafka, ns, pool);
    const rate = EVENTS / rebuild.seconds;
    const projectionRate = EVENTS / projection;
    const rows = [
      {
        scenario: `processor: rehydrate ${AGGREGATES.toLocaleString()} aggregates from ${EVENTS.toLocaleString()} events (fold + write state)`,
        seconds: round(rebuild.seconds, 1),
        'events/s': Math.round(rate),
        'vs projection rebuild': round(rate / projectionRate, 2),
      },
      {
        scenario: 'projector runtime: rebuild of the inventory projection, same topic (PostgreSQL rows + checkpoints)',
        seconds: round(projection, 1),
        'events/s': Math.round(projectionRate),
        'vs projection rebuild': 1,
      },
      {
        scenario: `processor: restore the same aggregates from the state topic (${restore.aggregates.toLocaleString()} records)`,
        seconds: round(restore.seconds, 1),
        'events/s': '',
        'vs projection rebuild': '',
      },
    ];
    report(`write-side-rehydration-${EVENTS}`, rows, {
      events: EVENTS,
      aggregates: AGGREGATES,
      partitions: PARTITIONS,
      rebuild,
      restore,
      projectionSeconds: projection,
      goal: { eventsPerSecond: 30000, ratioToProjection: 0.8 },
    });
  } finally {
    await pool.end();
    await infra.stop();
  }
}

runBench(main);
