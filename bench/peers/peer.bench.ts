/**
 * Peer comparison (issue 12): the same write operation — register 1,000 products, then
 * `POST /products/{sku}/stock` over them — on this project (command API → Kafka → command
 * processor, inventory projector + query API for write → visible) and on Emmett + PostgreSQL
 * (bench/peers/emmett-app.ts: DeciderCommandHandler with the same decider, its PostgreSQL event
 * store, an inline projection, Express). One system at a time, alternating (A B A B), on one
 * PostgreSQL (DATABASE_URL, a fresh database per run) and driven by the same load generator
 * (bench/lib/http-load.ts). The broker stays up while Emmett runs (idle: a few % of a core).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx ts-node --transpile-only -r tsconfig-paths/register \
 *     bench/peers/peer.bench.ts [--rounds 2] [--rates 500,1000] [--clients 64,256] [--seconds 15]
 *
 * Results: bench/results/peers-emmett-postgresql.json (rows per run, medians, ratios).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { randomNamespace } from '@es/testing';
import { benchInfra, mid as median, report, round, runBench, summarize } from '../lib/bench-infra';
import { startBuiltApp, type BuiltApp } from '../lib/build-apps';
import { fixedRate, get, post, saturate } from '../lib/http-load';
import { machineBusy } from '../lib/proc-sampler';

const argv = process.argv;
const opt = (name: string, fallback: string) => (argv.indexOf(`--${name}`) > 0 ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const nums = (name: string, fallback: string) => opt(name, fallback).split(',').filter(Boolean).map(Number);
const ROUNDS = Number(opt('rounds', '2'));
const RATES = nums('rates', '500,1000');
const CLIENTS = nums('clients', '64,256');
const SECONDS = Number(opt('seconds', '15'));
const PRODUCTS = 1000;
const ROOT = join(__dirname, '..', '..');

interface System {
  readonly write: string;
  readonly read: string;
  /** Reads the product as of the write's answer (read-your-writes). */
  readonly visibleHeaders: (writeBody: string) => Record<string, string>;
  stop(): Promise<void>;
}

async function freshDatabase(base: string, name: string): Promise<string> {
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function startOurs(databaseUrl: string): Promise<System> {
  const env = { ES_NAMESPACE: randomNamespace('p'), DATABASE_URL: databaseUrl };
  const apps: BuiltApp[] = [];
  apps.push(await startBuiltApp(ROOT, 'command-processor', env));
  const api = await startBuiltApp(ROOT, 'command-api', env);
  const query = await startBuiltApp(ROOT, 'query-api', env);
  apps.push(api, query, await startBuiltApp(ROOT, 'inventory-projector', env));
  return {
    write: api.url,
    read: query.url,
    visibleHeaders: (body) => ({ 'X-Min-Position': JSON.parse(body).position }),
    stop: async () => void (await Promise.all(apps.reverse().map((a) => a.stop()))),
  };
}

async function startEmmett(databaseUrl: string): Promise<System> {
  const port = 3120 + Math.floor(Math.random() * 50);
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(__dirname, 'emmett-app.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  while (
    !(await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the Emmett app did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    write: url,
    read: url,
    visibleHeaders: () => ({}),
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function measure(system: System): Promise<Record<string, number>> {
  const row: Record<string, number> = {};
  const registering: number[] = [];
  const started = performance.now();
  for (let i = 0; i < PRODUCTS; i += 1) {
    const t0 = performance.now();
    const res = await post(`${system.write}/products`, { sku: `SKU-${i}`, name: `Product ${i}` });
    if (res.status !== 201) throw new Error(`registration answered ${res.status}: ${res.body}`);
    registering.push(performance.now() - t0);
  }
  row['register 1,000 one by one (s)'] = round((performance.now() - started) / 1000);
  row['1 client write p50'] = summarize(registering).p50;
  const visible: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    const sku = `SKU-${i % PRODUCTS}`;
    const t0 = performance.now();
    const res = await post(`${system.write}/products/${sku}/stock`, { quantity: 1 });
    const seen = await get(`${system.read}/products/${sku}`, system.visibleHeaders(res.body));
    if (seen.status !== 200) throw new Error(`read answered ${seen.status}`);
    visible.push(performance.now() - t0);
  }
  row['1 client write→visible p50'] = summarize(visible).p50;
  const receive = async (i: number) => (await post(`${system.write}/products/SKU-${i % PRODUCTS}/stock`, { quantity: 1 })).status === 200;
  await saturate(16, 5, receive);
  const busy: number[] = [];
  for (const rate of RATES) {
    const [open, b] = await Promise.all([fixedRate(rate, SECONDS, receive), machineBusy(SECONDS)]);
    busy.push(b);
    const s = summarize(open.latenciesMs);
    row[`open ${rate}/s ok/s`] = round(open.ok / open.seconds, 0);
    row[`open ${rate}/s p50`] = s.p50;
    row[`open ${rate}/s p99`] = s.p99;
  }
  for (const clients of CLIENTS) {
    const [closed, b] = await Promise.all([saturate(clients, SECONDS, receive), machineBusy(SECONDS)]);
    busy.push(b);
    row[`closed ${clients} ok/s`] = round(closed.ok / closed.seconds, 0);
    row[`closed ${clients} p99`] = summarize(closed.latenciesMs).p99;
  }
  row['machine busy % (of 200, median)'] = median(busy);
  return row;
}

async function main() {
  if (!process.env.DATABASE_URL) throw new Error("set DATABASE_URL to a PostgreSQL both systems share (e.g. the machine's 127.0.0.1:5432)");
  const base = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL; // benchInfra must not start its own: only the broker
  const infra = await benchInfra();
  process.env.DATABASE_URL = base;
  const rows: Record<string, unknown>[] = [];
  try {
    for (let r = 1; r <= ROUNDS; r += 1) {
      for (const [name, start] of [
        ['this project', startOurs],
        ['Emmett + PostgreSQL', startEmmett],
      ] as const) {
        process.stderr.write(`round ${r}: ${name}…\n`);
        const db = await freshDatabase(base, `peer_${r}_${name === 'this project' ? 'ours' : 'emmett'}`);
        const system = await start(db);
        try {
          rows.push({ system: name, round: r, ...(await measure(system)) });
        } finally {
          await system.stop();
        }
        console.table([rows[rows.length - 1]]);
      }
    }
    const keys = Object.keys(rows[0]).filter((k) => k !== 'system' && k !== 'round');
    const med = (system: string, key: string) => median(rows.filter((r) => r.system === system).map((r) => Number(r[key])));
    const medians = ['this project', 'Emmett + PostgreSQL'].map((system) => ({
      system: `${system} (median)`,
      round: NaN,
      ...Object.fromEntries(keys.map((k) => [k, med(system, k)])),
    }));
    const ratio = {
      system: 'ratio project / Emmett',
      round: NaN,
      ...Object.fromEntries(keys.map((k) => [k, round(med('this project', k) / med('Emmett + PostgreSQL', k))])),
    };
    report('peers-emmett-postgresql', [...rows, ...medians, ratio], { rates: RATES, clients: CLIENTS, seconds: SECONDS, emmett: '0.42.0' });
  } finally {
    await infra.stop();
  }
}

runBench(main);
