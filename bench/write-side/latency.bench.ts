/**
 * Write-path latency at moderate load (issue 12), A/B on one broker and one PostgreSQL: each variant
 * is a checkout with a build (`--variants before=/tmp/base,after=.`), run in turn, round after round
 * (A B A B), each in a fresh namespace. Per run:
 *
 * - register 1,000 products one by one (one client: write latency, and the time for all of them);
 * - one client without HTTP: the command API's own transport (KafkaCommandTransport) in this process,
 *   to separate the HTTP layer (Express + Nest + validation) from the Kafka round trip;
 * - one client, write then GET with X-Min-Position (write → visible), when --visible;
 * - warm-up, then open loops at each of `--rates` for `--seconds`, then optional closed loops (`--clients`).
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/write-side/latency.bench.ts \
 *     [--variants after=.] [--rounds 2] [--rates 200,500] [--seconds 15] [--clients 64,256] [--visible] [--label x]
 *
 * Results: bench/results/write-side-latency[-label].json.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaCommandTransport } from '@es/kafka';
import { randomNamespace } from '@es/testing';
import { benchInfra, mid, report, round, runBench, summarize } from '../lib/bench-infra';
import { startBuiltApp, type BuiltApp } from '../lib/build-apps';
import { fixedRate, get, post, saturate } from '../lib/http-load';
import { machineBusy } from '../lib/proc-sampler';

const argv = process.argv;
const opt = (name: string, fallback: string) => (argv.indexOf(`--${name}`) > 0 ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const VARIANTS = opt('variants', 'current=.')
  .split(',')
  .map((v) => {
    const [name, root] = v.split('=');
    return { name, root: resolve(root) };
  });
const ROUNDS = Number(opt('rounds', '2'));
const RATES = opt('rates', '500').split(',').filter(Boolean).map(Number);
const SECONDS = Number(opt('seconds', '15'));
const CLIENTS = opt('clients', '').split(',').filter(Boolean).map(Number);
const VISIBLE = argv.includes('--visible');
const LABEL = opt('label', '');
const PRODUCTS = 1000;

async function run(variant: { name: string; root: string }, round: number) {
  const ns = randomNamespace('l');
  const env = { ES_NAMESPACE: ns };
  const apps: BuiltApp[] = [];
  const row: Record<string, unknown> = { variant: variant.name, round };
  try {
    apps.push(await startBuiltApp(variant.root, 'command-processor', env));
    const api = await startBuiltApp(variant.root, 'command-api', env);
    apps.push(api);
    const query = VISIBLE ? await startBuiltApp(variant.root, 'query-api', env) : undefined;
    if (VISIBLE) apps.push(query!, await startBuiltApp(variant.root, 'inventory-projector', env));

    const registering: number[] = [];
    const started = performance.now();
    for (let i = 0; i < PRODUCTS; i += 1) {
      const t0 = performance.now();
      const res = await post(`${api.url}/products`, { sku: `SKU-${i}`, name: `Product ${i}` });
      if (res.status !== 201) throw new Error(`registration answered ${res.status}: ${res.body}`);
      registering.push(performance.now() - t0);
    }
    row['register 1,000 one by one (s)'] = round2((performance.now() - started) / 1000);
    const reg = summarize(registering);
    row['1 client write p50'] = reg.p50;
    row['1 client write p99'] = reg.p99;

    const kafka = new Kafka({ clientId: 'bench-transport', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    const transport = new KafkaCommandTransport(kafka, { namespace: ns, timeoutMs: 10000 });
    await transport.start();
    const direct: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const sku = `SKU-${i % PRODUCTS}`;
      const t0 = performance.now();
      await transport.send({
        context: 'inventory',
        type: 'ReceiveStock',
        aggregateId: sku,
        data: { sku, quantity: 1 },
        commandId: randomUUID(),
        correlationId: 'bench',
      });
      direct.push(performance.now() - t0);
    }
    await transport.stop();
    row['1 client, no HTTP p50'] = summarize(direct).p50;

    if (query) {
      const visible: number[] = [];
      for (let i = 0; i < 200; i += 1) {
        const sku = `SKU-${i % PRODUCTS}`;
        const t0 = performance.now();
        const res = await post(`${api.url}/products/${sku}/stock`, { quantity: 1 });
        const seen = await get(`${query.url}/products/${sku}`, { 'X-Min-Position': JSON.parse(res.body).position });
        if (seen.status !== 200) throw new Error(`read answered ${seen.status}`);
        visible.push(performance.now() - t0);
      }
      row['1 client write→visible p50'] = summarize(visible).p50;
    }

    const receive = async (i: number) => (await post(`${api.url}/products/SKU-${i % PRODUCTS}/stock`, { quantity: 1 })).status === 200;
    await saturate(16, 5, receive);
    const busy: number[] = [];
    for (const rate of RATES) {
      const [open, b] = await Promise.all([fixedRate(rate, SECONDS, receive), machineBusy(SECONDS)]);
      busy.push(b);
      const o = summarize(open.latenciesMs);
      row[`open ${rate}/s ok/s`] = round2(open.ok / open.seconds);
      row[`open ${rate}/s p50`] = o.p50;
      row[`open ${rate}/s p99`] = o.p99;
    }
    row['machine busy % (of 200)'] = mid(busy);
    for (const clients of CLIENTS) {
      const closed = await saturate(clients, SECONDS, receive);
      row[`closed ${clients} ok/s`] = round2(closed.ok / closed.seconds);
      row[`closed ${clients} p99`] = summarize(closed.latenciesMs).p99;
    }
    return row;
  } finally {
    for (const app of apps.reverse()) await app.stop();
  }
}

const round2 = (v: number) => round(v, 2);

async function main() {
  const infra = await benchInfra();
  const rows: Record<string, unknown>[] = [];
  try {
    for (let r = 1; r <= ROUNDS; r += 1) {
      for (const variant of VARIANTS) {
        process.stderr.write(`round ${r}: ${variant.name} (${variant.root})…\n`);
        rows.push(await run(variant, r));
        console.table([rows[rows.length - 1]]);
      }
    }
    const medians = VARIANTS.map((v) => {
      const mine = rows.filter((r) => r.variant === v.name);
      const out: Record<string, unknown> = { variant: `${v.name} (median)`, round: mine.length };
      for (const key of Object.keys(mine[0] ?? {})) if (key !== 'variant' && key !== 'round') out[key] = mid(mine.map((r) => Number(r[key])));
      return out;
    });
    report(`write-side-latency${LABEL ? `-${LABEL}` : ''}`, [...rows, ...medians], { variants: VARIANTS, rates: RATES, seconds: SECONDS, clients: CLIENTS });
  } finally {
    await infra.stop();
  }
}

runBench(main);
