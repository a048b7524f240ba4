/**
 * The cost of a time-window idempotency memory (issue 8): resident memory of the remembered
 * outcomes at a sustained rate for the whole window, and the time a new owner needs to restore
 * them from the state partition.
 *
 * 1. memory — in child processes, one per variant, so that each RSS is its own:
 *    `index`: the processor's OutcomeIndex filled with rate × window outcomes (default 1,000/s for
 *    24 h = 86.4 million), spread over the window's 24 buckets as real traffic would be;
 *    `map` (baseline): the obvious Map<commandId, {fingerprint, version, position}>, filled up to
 *    `--map-sample` entries (a Map cannot hold more than 2^24) and extrapolated per entry.
 * 2. restore — against a real broker: a state partition holding `--restore` outcomes in records of
 *    `--per-record` outcomes each (at 1,000 commands/s over 6 partitions a transaction carries a few),
 *    restored by the processor's own code path (KafkaPartitionLog.restore + PartitionProcessor), beside
 *    the restore of the same partition's aggregate records alone.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/write-side/idempotency-window.bench.ts \
 *     [--rate 1000] [--hours 24] [--map-sample 5000000] [--restore 1000000] [--per-record 4] [--partitions 6]
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { inventoryContext, PRODUCT_STATE_VERSION, type BoundedContextDefinition, type Command, type DomainEvent, type Versioned } from '@es/domain';
import {
  commandFingerprint,
  encodeJson,
  OUTCOME_KEY_PREFIX,
  OutcomeIndex,
  outcomeSnapshotKey,
  type AggregateRecord,
  type OutcomeRecord,
} from '@es/event-store';
import { KafkaPartitionLog, namespaceTopics, provisionTopics, topics } from '@es/kafka';
import { randomNamespace } from '@es/testing';
import { PartitionProcessor } from '../../apps/command-processor/src/processing/partition-processor';
import { benchInfra, median, progress, report, round, runBench } from '../lib/bench-infra';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const HOUR = 3_600_000;
const fingerprintPool = Array.from({ length: 1000 }, (_, i) => commandFingerprint('ReceiveStock', `SKU-${i}`, { n: i }));
const mib = (bytes: number) => round(bytes / 2 ** 20, 1);

/** Child process: fills one variant and prints {entries, rssBytes, heapBytes, ms, lookupUs} as JSON. */
function memoryChild(variant: 'index' | 'map', entries: number, windowMs: number): void {
  global.gc?.();
  const before = process.memoryUsage();
  const started = Date.now();
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const ids: string[] = [];
  // Generated once: hashing per entry would measure SHA-256, not the memory.
  const fingerprints = Array.from({ length: 1000 }, (_, i) => commandFingerprint('ReceiveStock', `SKU-${i}`, { n: i }));
  let lookup: (id: string) => unknown;
  if (variant === 'index') {
    const index = new OutcomeIndex(windowMs);
    for (let i = 0; i < entries; i += 1) {
      const id = randomUUID();
      if (i % 1_000_000 === 0) ids.push(id);
      index.remember({ commandId: id, fingerprint: fingerprints[i % 1000], version: i % 1000, offset: i }, t0 + Math.floor((i / entries) * windowMs));
      if (i % 5_000_000 === 0 && i > 0) process.stderr.write(`  index: ${(i / 1e6).toFixed(0)} M\n`);
    }
    lookup = (id) => index.lookup(id, 'AAAAAAAAAAAAAAAAAAAAAA');
  } else {
    const map = new Map<string, { fingerprint: string; version: number; position: string | null }>();
    for (let i = 0; i < entries; i += 1) {
      const id = randomUUID();
      if (i % 1_000_000 === 0) ids.push(id);
      map.set(id, {
        fingerprint: `${fingerprints[i % 1000].slice(0, 14)}${i.toString(36).padStart(8, '0')}`,
        version: i % 1000,
        position: `cDE6aW52ZW50b3J5OjA6${i}`,
      });
    }
    lookup = (id) => map.get(id);
  }
  const fillMs = Date.now() - started;
  global.gc?.();
  const after = process.memoryUsage();
  const samples: number[] = [];
  for (let r = 0; r < 2000; r += 1) {
    const id = ids[r % ids.length];
    const s = process.hrtime.bigint();
    lookup(id);
    samples.push(Number(process.hrtime.bigint() - s) / 1000);
  }
  process.stdout.write(
    JSON.stringify({
      entries,
      rssBytes: after.rss - before.rss,
      heapBytes: after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers,
      fillMs,
      lookupUs: median(samples),
    }),
  );
}

function runChild(variant: 'index' | 'map', entries: number, windowMs: number) {
  const res = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=16000',
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      __filename,
      '--child',
      variant,
      '--entries',
      String(entries),
      '--window',
      String(windowMs),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  if (res.status !== 0) throw new Error(`memory child ${variant} failed (${res.status})`);
  return JSON.parse(res.stdout) as { entries: number; rssBytes: number; heapBytes: number; fillMs: number; lookupUs: number };
}

async function restoreScenario(kafka: Kafka, outcomes: number, perRecord: number, aggregates: number, sealed = false) {
  const ns = randomNamespace('bi');
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, namespaceTopics(ns, { partitions: 1, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const stateTopic = topics.state(ns, 'inventory');
  const now = Date.now();
  const started = Date.now();
  // Aggregate records first (the baseline restores only these), then the outcome records.
  for (let i = 0; i < aggregates; i += 5000) {
    const messages = Array.from({ length: Math.min(5000, aggregates - i) }, (_, j) => {
      const sku = `SKU-${i + j}`;
      const record: AggregateRecord = {
        aggregateId: sku,
        stateVersion: PRODUCT_STATE_VERSION,
        version: 2,
        state: { version: 2, sku, name: sku, onHand: 5, reservations: {} },
        lastPosition: null,
      };
      return { key: sku, value: encodeJson(record), partition: 0 };
    });
    await producer.send({ topic: stateTopic, messages, acks: -1 });
  }
  const baselineEnd = (await admin.fetchTopicOffsets(stateTopic))[0].high;
  let written = 0;
  const chunk = 2000;
  if (sealed) {
    // What the processor leaves after a day: 23 past buckets sealed into snapshots, the current
    // hour still as per-commit records.
    const index = new OutcomeIndex(24 * HOUR);
    const past = Math.round((outcomes * 23) / 24);
    for (let i = 0; i < past; i += 1) {
      index.remember(
        { commandId: randomUUID(), fingerprint: fingerprintPool[i % fingerprintPool.length], version: 2, offset: i },
        now - 24 * HOUR + Math.floor((i / past) * 23 * HOUR),
      );
    }
    for (const bucket of index.unsealed(now)) {
      const messages = index.seal(bucket).map((data, c) => ({ key: outcomeSnapshotKey(bucket, c), value: data, partition: 0 }));
      for (const m of messages) await producer.send({ topic: stateTopic, messages: [m], acks: -1 });
    }
    written = past;
  }
  for (let r = 0; written < outcomes; r += chunk) {
    const messages = [];
    for (let k = 0; k < chunk && written < outcomes; k += 1) {
      const at = sealed ? now - 1000 : now - Math.floor((written / outcomes) * 23 * HOUR);
      const record: OutcomeRecord = {
        key: `${OUTCOME_KEY_PREFIX}${at}:${randomUUID()}`,
        at,
        outcomes: Array.from({ length: Math.min(perRecord, outcomes - written) }, (_, j) => ({
          commandId: randomUUID(),
          fingerprint: commandFingerprint('ReceiveStock', `SKU-${(written + j) % aggregates}`, { n: written + j }),
          version: 2,
          offset: written + j,
        })),
      };
      written += record.outcomes.length;
      messages.push({ key: record.key, value: encodeJson(record), partition: 0 });
    }
    await producer.send({ topic: stateTopic, messages, acks: -1 });
    progress('  writing outcome records', written, outcomes, started);
  }
  await producer.disconnect();

  const definition = inventoryContext as unknown as BoundedContextDefinition<Command, DomainEvent, Versioned>;
  const restoreOnce = async () => {
    const log = await KafkaPartitionLog.open(kafka, { namespace: ns, context: 'inventory', partition: 0, consumerGroupId: `${ns}.bench` });
    // The clock of a restore at the end of the day those outcomes were written in.
    const processor = new PartitionProcessor(definition, log, { idempotencyWindowMs: 24 * HOUR, clock: () => new Date(now).toISOString() });
    const t = Date.now();
    await processor.restore();
    const ms = Date.now() - t;
    const counts = { aggregates: processor.aggregateCount, outcomes: processor.outcomeCount };
    if (counts.aggregates !== aggregates || counts.outcomes < outcomes)
      throw new Error(`restore found ${JSON.stringify(counts)}, expected ${aggregates} aggregates and ${outcomes} outcomes`);
    await processor.close();
    return { ms, ...counts };
  };
  const full = await restoreOnce();
  // The namespace stays: the bench's broker is thrown away afterwards.
  await admin.disconnect();
  return { full, baselineRecords: Number(baselineEnd) };
}

async function baselineRestore(kafka: Kafka, aggregates: number) {
  const { full } = await restoreScenario(kafka, 0, 1, aggregates);
  return full;
}

async function main() {
  if (process.argv.includes('--child')) {
    const variant = process.argv[process.argv.indexOf('--child') + 1] as 'index' | 'map';
    memoryChild(variant, arg('entries', 0), arg('window', 24 * HOUR));
    return;
  }
  const rate = arg('rate', 1000);
  const hours = arg('hours', 24);
  const windowMs = hours * HOUR;
  const windowEntries = Math.round(rate * hours * 3600);
  const mapSample = Math.min(arg('map-sample', 5_000_000), windowEntries);
  const restoreEntries = arg('restore', 1_000_000);
  const perRecord = arg('per-record', 4);
  const partitions = arg('partitions', 6);
  const aggregates = 10_000;

  console.log(`memory: ${windowEntries.toLocaleString()} outcomes (${rate}/s × ${hours} h) in the index; ${mapSample.toLocaleString()} in a Map (baseline)`);
  const index = runChild('index', windowEntries, windowMs);
  const map = runChild('map', mapSample, windowMs);
  console.log(`  index ${round(index.rssBytes / index.entries, 1)} B/outcome, Map ${round(map.rssBytes / map.entries, 1)} B/outcome`);
  const perEntryIndex = index.rssBytes / index.entries;
  const perEntryMap = map.rssBytes / map.entries;

  const infra = await benchInfra();
  const kafka = new Kafka({ clientId: 'bench-idempotency', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  console.log(`restore: ${restoreEntries.toLocaleString()} outcomes (${perRecord} per record) + ${aggregates.toLocaleString()} aggregates in one partition`);
  await baselineRestore(kafka, aggregates); // warm-up: the first restore of a process pays for JIT and connections
  const base = await baselineRestore(kafka, aggregates);
  const { full } = await restoreScenario(kafka, restoreEntries, perRecord, aggregates);
  const { full: sealed } = await restoreScenario(kafka, restoreEntries, perRecord, aggregates, true);
  await infra.stop();
  const sealedPerSecond = restoreEntries / Math.max(0.001, (sealed.ms - base.ms) / 1000);

  const outcomesPerSecond = restoreEntries / Math.max(0.001, (full.ms - base.ms) / 1000);
  const perPartition = windowEntries / partitions;
  const rows = [
    {
      figure: 'resident bytes per remembered outcome',
      index: round(perEntryIndex, 1),
      'Map baseline': round(perEntryMap, 1),
      ratio: round(perEntryMap / perEntryIndex, 2),
    },
    {
      figure: `resident MiB, whole window (${(windowEntries / 1e6).toFixed(1)} M)`,
      index: mib(index.rssBytes),
      'Map baseline': `${mib(perEntryMap * windowEntries)} (extrapolated; a Map stops at 16.7 M)`,
      ratio: round(perEntryMap / perEntryIndex, 2),
    },
    {
      figure: 'fill, outcomes/s',
      index: Math.round(index.entries / (index.fillMs / 1000)),
      'Map baseline': Math.round(map.entries / (map.fillMs / 1000)),
      ratio: '',
    },
    { figure: 'lookup median, µs', index: round(index.lookupUs, 2), 'Map baseline': round(map.lookupUs, 2), ratio: '' },
    { figure: `restore ms: ${aggregates.toLocaleString()} aggregates only (baseline)`, index: base.ms, 'Map baseline': '', ratio: '' },
    {
      figure: `restore ms: + ${(restoreEntries / 1e6).toFixed(2)} M outcomes`,
      index: full.ms,
      'Map baseline': '',
      ratio: round(full.ms / Math.max(1, base.ms), 1),
    },
    { figure: 'restore rate, outcomes/s (all per-commit records)', index: Math.round(outcomesPerSecond), 'Map baseline': '', ratio: '' },
    {
      figure: `restore ms: + ${(restoreEntries / 1e6).toFixed(2)} M outcomes, 23 h sealed + 1 h of records`,
      index: sealed.ms,
      'Map baseline': '',
      ratio: round(sealed.ms / Math.max(1, base.ms), 1),
    },
    {
      figure: 'restore rate, outcomes/s (sealed)',
      index: Math.round(sealedPerSecond),
      'Map baseline': '',
      ratio: round(sealedPerSecond / outcomesPerSecond, 1),
    },
    {
      figure: `restore s per partition, whole window (${(perPartition / 1e6).toFixed(1)} M over ${partitions} partitions, extrapolated): records / sealed`,
      index: `${round(perPartition / outcomesPerSecond, 1)} / ${round(perPartition / sealedPerSecond, 1)}`,
      'Map baseline': '',
      ratio: '',
    },
    {
      figure: `resident MiB per partition, whole window`,
      index: mib(perEntryIndex * perPartition),
      'Map baseline': mib(perEntryMap * perPartition),
      ratio: '',
    },
  ];
  report('write-side-idempotency-window', rows, {
    rate,
    hours,
    windowEntries,
    mapSample,
    restoreEntries,
    perRecord,
    partitions,
    index,
    map,
    restore: { base, full, sealed },
    loadAverage: loadavg(),
  });
}

runBench(main);
