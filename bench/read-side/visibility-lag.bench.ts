/**
 * End-to-end visibility lag (issue 4): command acknowledged by the command API → its effect visible
 * in the query API. Each acknowledged command's `position` is passed to GET /products/{sku} as
 * X-Min-Position; the lag is ack → 200. Commands are sent open-loop at a fixed rate. The baseline,
 * from the same run and at the same rate: a single-row INSERT … ON CONFLICT of the same row
 * through pg, i.e. the least any read model needs to make a change visible.
 * Target: p99 ≤ 100 ms at 1,000 commands/s.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/read-side/visibility-lag.bench.ts [--rate 1000] [--seconds 15]
 */
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { dropNamespace, randomNamespace, startApp, type AppProcess } from '@es/testing';
import { benchInfra, report, round, runBench, summarize } from '../lib/bench-infra';
import { fixedRate, get, post, saturate } from '../lib/http-load';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RATE = arg('rate', 1000);
const SECONDS = arg('seconds', 15);
const PRODUCTS = 500;

async function main() {
  const infra = await benchInfra();
  const ns = randomNamespace('v');
  const env = { ES_NAMESPACE: ns, READ_YOUR_WRITES_TIMEOUT_MS: '10000' };
  const apps: AppProcess[] = [];
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 16 });
  try {
    apps.push(await startApp('command-processor', env), await startApp('inventory-projector', env));
    const api = await startApp('command-api', env);
    const query = await startApp('query-api', env);
    apps.push(api, query);
    for (let i = 0; i < PRODUCTS; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => post(`${api.url}/products`, { sku: `SKU-${i + j}`, name: `Product ${i + j}` })));
    }
    const lags: number[] = [];
    const plainGets: number[] = [];
    let notVisible = 0;
    const command = async (i: number) => {
      const sku = `SKU-${i % PRODUCTS}`;
      const res = await post(`${api.url}/products/${sku}/stock`, { quantity: 1 });
      if (res.status !== 200) return false;
      const acked = performance.now();
      const { position } = JSON.parse(res.body);
      // Control: the same read without waiting for the position, to separate waiting from serving.
      if (i % 10 === 0) {
        const t0 = performance.now();
        await get(`${query.url}/products/${sku}`);
        plainGets.push(performance.now() - t0);
      }
      const seen = await get(`${query.url}/products/${sku}`, { 'X-Min-Position': position });
      if (seen.status !== 200) {
        notVisible += 1;
        return false;
      }
      lags.push(performance.now() - acked);
      return true;
    };
    await saturate(16, 3, command); // warm-up
    lags.length = 0;
    plainGets.length = 0;
    process.stderr.write(`fixed rate ${RATE}/s for ${SECONDS}s…\n`);
    // Where the time goes: the inventory projection's lag (records not yet applied), sampled.
    const lagSamples: number[] = [];
    const sampler = setInterval(() => {
      void get(`${query.url}/projections`).then(
        (r) => lagSamples.push(JSON.parse(r.body).find((p: { name: string }) => p.name === 'inventory').lag),
        () => undefined,
      );
    }, 500);
    const run = await fixedRate(RATE, SECONDS, command);
    clearInterval(sampler);

    // Baseline: the same row change as a plain upsert, at the same rate.
    const schema = `"${ns}_baseline"`;
    await pool.query(`CREATE SCHEMA ${schema}`);
    await pool.query(`CREATE TABLE ${schema}.products (sku text PRIMARY KEY, name text, on_hand bigint, reserved bigint, version int)`);
    const baseLatencies: number[] = [];
    const base = await fixedRate(RATE, Math.min(SECONDS, 10), async (i) => {
      const t0 = performance.now();
      await pool.query(
        `INSERT INTO ${schema}.products (sku, name, on_hand, reserved, version) VALUES ($1, $1, 1, 0, 1)
         ON CONFLICT (sku) DO UPDATE SET on_hand = ${schema}.products.on_hand + 1, version = ${schema}.products.version + 1`,
        [`SKU-${i % PRODUCTS}`],
      );
      baseLatencies.push(performance.now() - t0);
      return true;
    });
    const lag = summarize(lags);
    const plain = summarize(plainGets);
    const b = summarize(baseLatencies);
    report(
      'read-side-visibility-lag',
      [
        {
          scenario: `command ack → visible in query API at ${RATE}/s`,
          'ok/s': round(run.ok / run.seconds, 0),
          failed: run.failed,
          notVisible,
          'p50 ms': lag.p50,
          'p99 ms': lag.p99,
          'max ms': lag.max,
          'max projector lag': Math.max(0, ...lagSamples),
        },
        {
          scenario: 'control: GET /products/{sku} without X-Min-Position, same run',
          'ok/s': NaN,
          failed: 0,
          notVisible: 0,
          'p50 ms': plain.p50,
          'p99 ms': plain.p99,
          'max ms': plain.max,
        },
        {
          scenario: `baseline: single-row upsert through pg at ${RATE}/s`,
          'ok/s': round(base.ok / base.seconds, 0),
          failed: base.failed,
          notVisible: 0,
          'p50 ms': b.p50,
          'p99 ms': b.p99,
          'max ms': b.max,
        },
      ],
      { rate: RATE, seconds: SECONDS, targetP99Ms: 100 },
    );
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    // Leave nothing behind: the namespace's schemas (baseline, meta, read models) and topics.
    const admin = new Kafka({ clientId: 'bench-cleanup', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await dropNamespace(ns, admin, pool);
    await admin.disconnect();
    await pool.end();
    await infra.stop();
  }
}

runBench(main);
