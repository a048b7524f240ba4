/**
 * What one command transaction costs in broker requests (issue 12): the processor's transaction shape
 * — events to one partition, state to another, commit — run N times by a bare kafkajs transactional
 * producer, counting every request with kafkajs' REQUEST instrumentation events. Variant `plain` is
 * kafkajs as published; `patched` loads libs/kafka's client factory first, which applies our kafkajs
 * patches (the transaction coordinator cache, the request-queue timer fix) as every app does. Each
 * variant runs in a child process of its own (a patch cannot be taken back), A B A B, with 20 ms
 * between transactions (a partition at moderate load) and back to back (a busy partition).
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/write-side/transaction-requests.bench.ts [--transactions 300] [--rounds 2]
 *
 * Results: bench/results/write-side-transaction-requests.json.
 */
import { spawnSync } from 'node:child_process';
import { benchInfra, median, report, round, runBench } from '../lib/bench-infra';

const argv = process.argv;
const opt = (name: string, fallback: string) => (argv.indexOf(`--${name}`) > 0 ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const TRANSACTIONS = Number(opt('transactions', '300'));
const ROUNDS = Number(opt('rounds', '2'));

interface ChildResult {
  readonly gapMs: number;
  readonly txP50: number;
  readonly requests: Record<string, { n: number; meanMs: number }>;
}

/** The child: one variant, both pacings, results as JSON on stdout. */
async function child(variant: string): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (variant === 'patched') require('../../libs/kafka/src/kafka-client.factory');
  const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const kafka = new Kafka({ clientId: `tx-${variant}`, brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const ns = `txbench_${variant}_${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: `${ns}.events`, numPartitions: 1 },
      { topic: `${ns}.state`, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
  });
  // The command processor's producer settings (KafkaPartitionLog, TRANSACTIONAL_RETRY).
  const producer = kafka.producer({
    transactionalId: `${ns}.tx`,
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 12, initialRetryTime: 2, maxRetryTime: 2000 },
  });
  const durations = new Map<string, number[]>();
  producer.on(producer.events.REQUEST, (e) => {
    const list = durations.get(e.payload.apiName) ?? [];
    list.push(e.payload.duration);
    durations.set(e.payload.apiName, list);
  });
  await producer.connect();
  const results: ChildResult[] = [];
  for (const gapMs of [20, 0]) {
    durations.clear();
    const took: number[] = [];
    for (let i = 0; i < TRANSACTIONS; i += 1) {
      const t0 = performance.now();
      const tx = await producer.transaction();
      await tx.send({ topic: `${ns}.events`, acks: -1, messages: [{ key: `a${i % 50}`, value: 'e'.repeat(300), partition: 0 }] });
      await tx.send({ topic: `${ns}.state`, acks: -1, messages: [{ key: `a${i % 50}`, value: 's'.repeat(500), partition: 0 }] });
      await tx.commit();
      took.push(performance.now() - t0);
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    }
    const requests = Object.fromEntries(
      [...durations].map(([api, list]) => [api, { n: list.length, meanMs: round(list.reduce((s, d) => s + d, 0) / list.length, 2) }]),
    );
    results.push({ gapMs, txP50: round(median(took), 2), requests });
  }
  await producer.disconnect();
  await admin.deleteTopics({ topics: [`${ns}.events`, `${ns}.state`] }).catch(() => undefined);
  await admin.disconnect();
  process.stdout.write(JSON.stringify(results));
}

async function main(): Promise<void> {
  const infra = await benchInfra();
  const rows: Record<string, unknown>[] = [];
  try {
    for (let r = 1; r <= ROUNDS; r += 1) {
      for (const variant of ['plain', 'patched']) {
        const run = spawnSync(
          process.execPath,
          ['-r', 'ts-node/register/transpile-only', __filename, '--child', variant, '--transactions', String(TRANSACTIONS)],
          {
            env: process.env,
            encoding: 'utf8',
          },
        );
        if (run.status !== 0) throw new Error(`${variant} failed: ${run.stderr}`);
        for (const result of JSON.parse(run.stdout) as ChildResult[]) {
          const per = (api: string) => round((result.requests[api]?.n ?? 0) / TRANSACTIONS, 2);
          rows.push({
            variant,
            round: r,
            'gap ms': result.gapMs,
            'transaction p50 ms': result.txP50,
            'requests per transaction': round(Object.values(result.requests).reduce((s, q) => s + q.n, 0) / TRANSACTIONS, 2),
            FindCoordinator: per('GroupCoordinator'),
            AddPartitionsToTxn: per('AddPartitionsToTxn'),
            Produce: per('Produce'),
            EndTxn: per('EndTxn'),
            Metadata: per('Metadata'),
            'Produce mean ms': result.requests.Produce?.meanMs,
            'AddPartitionsToTxn mean ms': result.requests.AddPartitionsToTxn?.meanMs,
          });
        }
      }
    }
    report('write-side-transaction-requests', rows, { transactions: TRANSACTIONS });
  } finally {
    await infra.stop();
  }
}

if (argv.includes('--child')) {
  child(opt('child', 'plain')).then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(String((error as Error).stack ?? error));
      process.exit(1);
    },
  );
} else runBench(main);
