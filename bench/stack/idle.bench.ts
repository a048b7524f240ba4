/**
 * The whole stack at rest (issue 12): starts it as `npm start` does (tools/stack/start.js, broker and
 * PostgreSQL included, on non-default ports), writes a little, lets it settle, then samples
 * /proc/<pid>/stat of every process (each app, the broker's JVM, PostgreSQL and its backends) for
 * `--seconds` and reports each one's CPU in percent of one core and its resident size. Then the first
 * command after the idle period is timed against warm commands sent just before it (a long-poll fetch
 * must not make the first command slower).
 *
 *   npx ts-node --transpile-only bench/stack/idle.bench.ts [--seconds 30] [--settle 15] [--root DIR] [--label after] [--base-port 3100] [--load-seconds 60]
 *     [--load-events 1000000]
 *
 * `--load-events N` records every process's resident size at rest first, then loads until N stock
 * receipts (one event each) are acknowledged, then measures the idle period: memory after N events.
 *
 * `--root` runs another checkout's stack (its tools/stack/start.js and dist/): the same script
 * measures a baseline build for an A/B comparison. Results: bench/results/stack-idle-<label>.json.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { machineBusy, processTree, sampleUnits } from '../lib/proc-sampler';
import { report, round, runBench, summarize } from '../lib/bench-infra';
import { post, saturate } from '../lib/http-load';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const SECONDS = Number(arg('seconds', '30'));
const SETTLE = Number(arg('settle', '15'));
const ROOT = resolve(arg('root', join(__dirname, '..', '..')));
const LABEL = arg('label', 'current');
const BASE_PORT = Number(arg('base-port', '3100'));
/** Optional closed-loop load (64 clients) before the idle period: resident sizes after a load. */
const LOAD_SECONDS = Number(arg('load-seconds', '0'));
/** Optional closed-loop load (128 clients) until this many events are acknowledged (memory after 1 M events). */
const LOAD_EVENTS = Number(arg('load-events', '0'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function timedWrite(api: string, sku: string): Promise<number> {
  const t0 = performance.now();
  const res = await post(`${api}/products/${sku}/stock`, { quantity: 1 });
  if (res.status !== 200) throw new Error(`stock receipt answered ${res.status}: ${res.body}`);
  return performance.now() - t0;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'es-idle-stack-'));
  // Embedded PostgreSQL runs initdb as its own user when we are root: it must reach its data dir.
  chmodSync(dataDir, 0o755);
  const ports = {
    COMMAND_API_PORT: BASE_PORT,
    QUERY_API_PORT: BASE_PORT + 1,
    COMMAND_PROCESSOR_PORT: BASE_PORT + 10,
    ORDERS_PROJECTOR_PORT: BASE_PORT + 11,
    INVENTORY_PROJECTOR_PORT: BASE_PORT + 12,
    FULFILLMENT_SAGA_PORT: BASE_PORT + 13,
    EVENT_INDEX_PROJECTOR_PORT: BASE_PORT + 14,
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STACK_DATA_DIR: dataDir,
    STACK_KAFKA_PORT: arg('kafka-port', '9192'),
    STACK_POSTGRES_PORT: arg('postgres-port', '54429'),
    STACK_SKIP_BUILD: '1',
    LOG_LEVEL: 'warn',
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
  };
  delete env.KAFKA_BROKERS;
  delete env.DATABASE_URL;
  const stack = spawn(process.execPath, [join(ROOT, 'tools', 'stack', 'start.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const ready = new Promise<void>((resolveReady, reject) => {
    stack.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('[stack] ready:')) resolveReady();
    });
    stack.on('exit', (code) => reject(new Error(`the stack exited (${code}) before it was ready:\n${output}`)));
  });
  const stop = async () => {
    if (stack.exitCode !== null) return;
    const exited = new Promise((r) => stack.once('exit', r));
    stack.kill('SIGTERM');
    await exited;
  };
  try {
    await ready;
    const state = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as { processes: Record<string, { pid: number }> };
    const units: Record<string, number> = Object.fromEntries(Object.entries(state.processes).map(([name, p]) => [name, p.pid]));
    // The supervisor itself and what it started besides the units (the broker's and the database's watchdogs).
    if (stack.pid !== undefined) units['supervisor and watchdogs'] = stack.pid;
    const api = `http://127.0.0.1:${ports.COMMAND_API_PORT}`;
    for (let i = 0; i < 20; i += 1) {
      const res = await post(`${api}/products`, { sku: `IDLE-${i}`, name: `Idle ${i}` });
      if (res.status !== 201 && res.status !== 200) throw new Error(`registration answered ${res.status}: ${res.body}`);
    }
    const warm: number[] = [];
    for (let i = 0; i < 40; i += 1) warm.push(await timedWrite(api, `IDLE-${i % 20}`));
    let loaded = 0;
    let rest: Map<string, { cpuPercent: number; rssMiB: number }> | undefined;
    const receipt = async (i: number) => (await post(`${api}/products/IDLE-${i % 1000}/stock`, { quantity: 1 })).status === 200;
    if (LOAD_SECONDS > 0 || LOAD_EVENTS > 0) {
      for (let i = 20; i < 1000; i += 1) await post(`${api}/products`, { sku: `IDLE-${i}`, name: `Idle ${i}` });
    }
    if (LOAD_EVENTS > 0) {
      await sleep(SETTLE * 1000);
      rest = new Map((await sampleUnits(units, SECONDS)).map((u) => [u.unit, u]));
      process.stderr.write(`at rest: ${JSON.stringify(Object.fromEntries(rest))}; loading until ${LOAD_EVENTS} events…\n`);
      const started = performance.now();
      while (loaded < LOAD_EVENTS) {
        const chunk = await saturate(128, 30, receipt);
        loaded += chunk.ok;
        process.stderr.write(`  ${loaded} events, ${round(loaded / ((performance.now() - started) / 1000), 0)}/s, ${chunk.failed} failed in the last 30 s\n`);
      }
    }
    if (LOAD_SECONDS > 0) {
      process.stderr.write(`loading for ${LOAD_SECONDS}s…\n`);
      const load = await saturate(64, LOAD_SECONDS, receipt);
      loaded += load.ok;
    }
    // The supervisor restarts an app that died (new pid in stack.json): measure the running one.
    const now = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as { processes: Record<string, { pid: number }> };
    for (const [name, p] of Object.entries(now.processes)) {
      if (units[name] !== p.pid) process.stderr.write(`${name} was restarted during the run (pid ${units[name]} → ${p.pid})\n`);
      units[name] = p.pid;
    }
    process.stderr.write(`settling ${SETTLE}s, then sampling ${SECONDS}s…\n`);
    await sleep(SETTLE * 1000);
    const [usage, busy] = await Promise.all([sampleUnits(units, SECONDS), machineBusy(SECONDS)]);
    const first = await timedWrite(api, 'IDLE-0');
    const after: number[] = [];
    for (let i = 0; i < 40; i += 1) after.push(await timedWrite(api, `IDLE-${(i + 1) % 20}`));
    const total = usage.reduce((s, u) => s + u.cpuPercent, 0);
    const rss = usage.reduce((s, u) => s + u.rssMiB, 0);
    const rows: Record<string, unknown>[] = usage.map((u) => ({
      process: u.unit,
      'cpu % of a core': u.cpuPercent,
      'rss MiB': u.rssMiB,
      ...(rest ? { 'cpu % before the load': rest.get(u.unit)?.cpuPercent, 'rss MiB before the load': rest.get(u.unit)?.rssMiB } : {}),
      processes: u.processes,
    }));
    rows.push({
      process: 'whole stack',
      'cpu % of a core': round(total, 1),
      'rss MiB': rss,
      ...(rest
        ? {
            'cpu % before the load': round(
              [...rest.values()].reduce((a, b) => a + b.cpuPercent, 0),
              1,
            ),
            'rss MiB before the load': [...rest.values()].reduce((a, b) => a + b.rssMiB, 0),
          }
        : {}),
      processes: usage.reduce((s, u) => s + u.processes, 0),
    });
    rows.push({ process: 'machine (all jobs, 2 cores)', 'cpu % of a core': busy, 'rss MiB': NaN, processes: NaN });
    const w = summarize(warm);
    const a = summarize(after);
    console.table([
      { writes: 'warm, before the idle period', 'p50 ms': w.p50, 'max ms': w.max },
      { writes: 'first after the idle period', 'p50 ms': round(first), 'max ms': round(first) },
      { writes: 'the next 40', 'p50 ms': a.p50, 'max ms': a.max },
    ]);
    report(`stack-idle-${LABEL}`, rows, {
      root: ROOT,
      seconds: SECONDS,
      settleSeconds: SETTLE,
      commandsBeforeIdle: 40 + loaded,
      wholeStackCpuPercent: round(total, 1),
      machineBusyPercent: busy,
      writes: { warmP50: w.p50, firstAfterIdle: round(first), nextP50: a.p50 },
      processTree: Object.fromEntries(Object.entries(units).map(([n, pid]) => [n, processTree(pid).length])),
    });
  } finally {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench(main);
