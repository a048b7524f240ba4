/* eslint-disable @typescript-eslint/no-require-imports */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Benchmarks run against the real thing: KAFKA_BROKERS / DATABASE_URL when set, otherwise a
 * throwaway local broker and embedded PostgreSQL, exactly as the test suite does.
 */
/** The launcher favours fast starts (C1 only); a benchmark measures the broker at full speed. */
const FULL_JIT = ['-XX:TieredStopAtLevel=4', '-XX:CICompilerCount=2'];

export async function benchInfra(): Promise<{ stop(): Promise<void> }> {
  const stops: (() => Promise<void>)[] = [];
  if (!process.env.KAFKA_BROKERS) {
    const { startKafka } = require('../../tools/kafka/launcher');
    const { throwawayDir } = require('../../tools/postgres/launcher');
    const kafka = await startKafka({ dataDir: join(throwawayDir('es-bench-kafka-'), 'kafka'), port: 0, heapMb: 1024, jvmArgs: FULL_JIT });
    process.env.KAFKA_BROKERS = kafka.brokers;
    stops.push(() => kafka.stop());
  }
  if (!process.env.DATABASE_URL) {
    const { resolvePostgres } = require('../../tools/postgres/launcher');
    const pg = await resolvePostgres();
    process.env.DATABASE_URL = pg.url;
    stops.push(() => pg.stop());
  }
  process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';
  return { stop: async () => void (await Promise.all(stops.map((s) => s()))) };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function summarize(latenciesMs: number[]): { n: number; p50: number; p99: number; max: number } {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { n: sorted.length, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1] ?? NaN) };
}

export function round(value: number, digits = 2): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}

/** The median proper: the mean of the two middle values of an even count (A B A B runs give two). */
export function mid(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const half = Math.floor(sorted.length / 2);
  return round(sorted.length % 2 === 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2);
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Prints a table and writes bench/results/<name>.json (with machine facts) for docs/benchmarks.md. */
export function report(name: string, rows: Record<string, unknown>[], extra: Record<string, unknown> = {}): void {
  console.table(rows);
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const os = require('node:os');
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        name,
        at: new Date().toISOString(),
        machine: { cpus: os.cpus().length, memGiB: round(os.totalmem() / 2 ** 30, 1), node: process.version },
        rows,
        ...extra,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`wrote ${file}`);
}

export function progress(label: string, done: number, total: number, startedMs: number): void {
  const rate = done / Math.max(0.001, (Date.now() - startedMs) / 1000);
  process.stderr.write(`\r${label}: ${done.toLocaleString()} / ${total.toLocaleString()} (${Math.round(rate).toLocaleString()}/s)   `);
  if (done >= total) process.stderr.write('\n');
}

/** Runs a bench's main: exit 0 when it is done (open handles of clients must not keep it alive), 1 with the error printed. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
