import { randomUUID } from 'node:crypto';
import { AppProcess, randomNamespace, startApp, waitFor } from '@es/testing';
import { EventLogBuilder } from './support/event-log.builder';
import { orderWorkload } from './support/order-workload';
import { ReadSideFixture } from './support/read-side.fixture';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Prometheus text format, the lines this test needs: `name{a="b",…} value`. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/**
 * Issue 10's metrics: a projector's lag gauges move while it catches up with a backlog under load and
 * return to 0; its /health fails above PROJECTION_HEALTH_MAX_LAG and recovers; the APIs measure HTTP
 * durations by route; Node's default metrics keep their standard names.
 */
describe('projection lag, health threshold and HTTP metrics in Prometheus', () => {
  const fx = new ReadSideFixture(randomNamespace());
  const log = new EventLogBuilder();
  const apps: AppProcess[] = [];

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await fx.tearDown();
  });

  async function scrape(app: AppProcess): Promise<Sample[] | undefined> {
    const res = await fetch(`${app.url}/metrics`).catch(() => undefined);
    return res?.ok ? parse(await res.text()) : undefined;
  }

  it('sees the lag gauges move during load and return to 0, and /health follow the lag threshold', async () => {
    await fx.setUp();
    // A backlog before the projectors start, and more load while they catch up.
    await fx.appender.append(orderWorkload(log, 20000));
    const env = { ...fx.env, PROJECTION_HEALTH_MAX_LAG: '2000' };
    const projectors = await Promise.all([
      startApp('orders-projector', env, { waitHealthy: false }),
      startApp('event-index-projector', env, { waitHealthy: false }),
    ]);
    apps.push(...projectors);
    const more = fx.appender.append(orderWorkload(log, 5000));

    const lagSeen = new Map<string, number>();
    const ageSeen = new Map<string, number>();
    const healthSeen = new Map<string, Set<number>>();
    let lagDetail: unknown;
    const settled = waitFor(
      async () => {
        let allZero = true;
        for (const app of projectors) {
          const samples = await scrape(app);
          if (!samples) {
            allZero = false;
            continue;
          }
          const lags = samples.filter((s) => s.name === 'es_projection_lag_records');
          for (const s of lags) lagSeen.set(s.labels.projection, Math.max(lagSeen.get(s.labels.projection) ?? 0, s.value));
          for (const s of samples.filter((x) => x.name === 'es_projection_last_event_age_seconds'))
            ageSeen.set(s.labels.projection, Math.max(ageSeen.get(s.labels.projection) ?? 0, s.value));
          if (lags.length === 0 || lags.some((s) => s.value !== 0)) allZero = false;
          const health = await fetch(`${app.url}/health`).catch(() => undefined);
          if (health) {
            healthSeen.set(app.app, (healthSeen.get(app.app) ?? new Set()).add(health.status));
            const body = (await health.json()) as any;
            if (health.status === 503 && lagDetail === undefined) lagDetail = Object.values(body.checks).find((c: any) => c.detail?.lag > 2000);
          }
        }
        return allZero;
      },
      { timeoutMs: 90000, intervalMs: 50, what: 'every projection lag gauge back at 0' },
    );
    await more;
    await settled;
    // Caught up with everything, including the load appended meanwhile.
    const final = (await Promise.all(projectors.map((a) => scrape(a)))).flat() as Sample[];
    const lags = final.filter((s) => s.name === 'es_projection_lag_records');
    expect(new Set(lags.map((s) => s.labels.projection))).toEqual(new Set(['orders', 'event-index-orders', 'event-index-inventory']));
    expect(
      lags
        .filter((s) => s.labels.projection === 'orders')
        .map((s) => s.labels.partition)
        .sort(),
    ).toEqual(['0', '1', '2']);
    expect(lags.every((s) => s.value === 0)).toBe(true);
    expect(final.filter((s) => s.name === 'es_projection_last_event_age_seconds').every((s) => s.value === 0)).toBe(true);
    expect(lagSeen.get('orders')).toBeGreaterThan(0);
    expect(lagSeen.get('event-index-orders')).toBeGreaterThan(0);
    expect([...ageSeen.values()].some((v) => v > 0)).toBe(true);
    // /health: 503 naming the lag while above the threshold, 200 once caught up.
    expect(lagDetail).toMatchObject({ ok: false, detail: { lag: expect.any(Number), maxLag: 2000 } });
    for (const app of projectors) expect((await fetch(`${app.url}/health`)).status).toBe(200);
    // Consumer lag as kafkajs reports it per batch, for every Kafka consumer.
    expect(final.some((s) => s.name === 'es_consumer_lag_records' && s.labels.consumer === 'projector.orders.v1')).toBe(true);
  });

  it('measures HTTP requests by route pattern and status, counts dead letters by status, keeps Node`s metric names', async () => {
    const api = await startApp('query-api', fx.env);
    apps.push(api);
    const orderId = randomUUID();
    for (let i = 0; i < 3; i++) expect((await fetch(`${api.url}/orders/${orderId}`)).status).toBe(404);
    expect((await fetch(`${api.url}/orders?limit=2`)).status).toBe(200);
    const samples = (await scrape(api))!;
    const count = (route: string, status: string) =>
      samples.find(
        (s) => s.name === 'http_request_duration_seconds_count' && s.labels.route === route && s.labels.status === status && s.labels.method === 'GET',
      )?.value;
    expect(count('/orders/:orderId', '404')).toBe(3);
    expect(count('/orders', '200')).toBe(1);
    expect(samples.some((s) => s.name === 'http_request_duration_seconds_bucket' && s.labels.route === '/orders/:orderId' && s.labels.le === '+Inf')).toBe(
      true,
    );
    expect(samples.find((s) => s.name === 'es_dead_letters' && s.labels.projection === 'orders' && s.labels.status === 'PENDING')?.value).toBe(0);
    expect(samples.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
    expect(samples.some((s) => s.name.startsWith('es_process_'))).toBe(false);
  });
});
