import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { EventEnvelope } from '@es/event-store';
import { AppProcess, randomNamespace, startApp, waitFor } from '@es/testing';
import { EventLogBuilder } from './support/event-log.builder';
import { orderWorkload } from './support/order-workload';
import { expectedOrders, ReadSideFixture } from './support/read-side.fixture';

const ADMIN_TOKEN = 'test-admin-token-0123456789';

/**
 * Issue 4, blue/green rebuild from offset 0: the new version is built beside the live one, which
 * keeps serving; the switch is one transaction; the old schema goes afterwards.
 */
describe('rebuilding the orders projection from offset zero', () => {
  const fx = new ReadSideFixture(randomNamespace());
  const log = new EventLogBuilder();
  const apps: AppProcess[] = [];
  const all: EventEnvelope[] = [];
  let api: AppProcess;

  beforeAll(async () => {
    await fx.setUp();
    const initial = orderWorkload(log, 4000);
    all.push(...initial);
    await fx.appender.append(initial);
    const env = { ...fx.env, PROJECTION_DROP_OLD_VERSION_AFTER_MS: '2000' };
    apps.push(await startApp('orders-projector', env));
    api = await startApp('query-api', { ...env, ADMIN_TOKEN });
    apps.push(api);
    await waitFor(async () => Object.keys(await fx.orders(1)).length === 4000, { timeoutMs: 60000, what: 'the live version to catch up' });
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await fx.tearDown();
  });

  const schemaExists = async (version: number) =>
    (await fx.pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [fx.schema('orders', version)])).rowCount === 1;

  /** Writes keep arriving and reads keep going; every failed or shrinking answer is recorded. */
  function loadWhile(done: () => boolean) {
    const failures: string[] = [];
    const known = Object.keys(expectedOrders(all));
    const writer = (async () => {
      while (!done()) {
        const batch = orderWorkload(log, 20);
        all.push(...batch);
        await fx.appender.append(batch);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const reader = (async () => {
      let lastCount = 0;
      let reads = 0;
      while (!done()) {
        const id = known[Math.floor(Math.random() * known.length)];
        const one = await fetch(`${api.url}/orders/${id}`);
        if (one.status !== 200) failures.push(`GET /orders/${id} → ${one.status}`);
        const page = await fetch(`${api.url}/orders?customerId=customer-3&limit=100`);
        const body = (await page.json()) as { items: unknown[] };
        if (page.status !== 200) failures.push(`GET /orders?customerId → ${page.status}`);
        else if (body.items.length < lastCount) failures.push(`page shrank from ${lastCount} to ${body.items.length}`);
        else lastCount = body.items.length;
        reads++;
      }
      return reads;
    })();
    return { failures, finished: Promise.all([writer, reader]) };
  }

  it('keeps answering every query while a requested rebuild runs and switches, and ends equal to before plus the new events', async () => {
    let finished = false;
    const load = loadWhile(() => finished);
    await new Promise((r) => setTimeout(r, 500));
    const res = await fetch(`${api.url}/projections/orders/rebuild`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(202);
    const progress: number[] = [];
    await waitFor(
      async () => {
        const [orders] = (await (await fetch(`${api.url}/projections`)).json()) as any[];
        if (orders.rebuild) progress.push(orders.rebuild.processed);
        return orders.activeVersion === 2;
      },
      { timeoutMs: 90000, intervalMs: 100, what: 'the rebuilt version to become active' },
    );
    await waitFor(async () => !(await schemaExists(1)), { timeoutMs: 15000, what: 'the old schema to be dropped' });
    finished = true;
    const [, reads] = await load.finished;

    const expected = expectedOrders(all);
    await waitFor(async () => Object.keys(await fx.orders(2)).length === Object.keys(expected).length, { timeoutMs: 30000, what: 'the new events' });
    expect(load.failures).toEqual([]);
    expect(reads).toBeGreaterThan(10);
    expect(progress.length).toBeGreaterThan(0);
    expect(await fx.orders(2)).toEqual(expected);
  });

  it('rebuilds from the CLI with a progress bar while the projector keeps running', async () => {
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'apps', 'orders-projector', 'main.js'), 'rebuild'], {
      env: { ...process.env, ...fx.env, PROJECTION_DROP_OLD_VERSION_AFTER_MS: '500', ORDERS_PROJECTOR_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, tail: stderr.slice(-1000) }).toEqual({ code: 0, tail: expect.any(String) });
    expect(stderr).toMatch(/orders v3 \[[#.]+\] [\d.]+% \d+\/\d+ events \d+ ev\/s ETA/);
    expect(stderr).toContain('orders v3 is active');
    expect(await fx.activeVersion('orders')).toBe(3);
    expect(await schemaExists(2)).toBe(false);
    expect(await fx.orders(3)).toEqual(expectedOrders(all));
  });

  it('finishes a rebuild whose projector was SIGKILLed midway once a projector runs again, never touching the live version', async () => {
    const more = orderWorkload(log, 6000);
    all.push(...more);
    await fx.appender.append(more);
    const expected = expectedOrders(all);
    await waitFor(async () => Object.keys(await fx.orders(3)).length === Object.keys(expected).length, { timeoutMs: 60000, what: 'v3 to catch up' });
    const res = await fetch(`${api.url}/projections/orders/rebuild`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(await res.json()).toEqual({ name: 'orders', targetVersion: 4 });
    await waitFor(
      async () => {
        const [orders] = (await (await fetch(`${api.url}/projections`)).json()) as any[];
        return orders.rebuild?.processed > 0;
      },
      { timeoutMs: 30000, intervalMs: 20, what: 'the rebuild to make progress' },
    );
    await apps[0].kill();

    // Meanwhile the live version answers, complete.
    const [status] = (await (await fetch(`${api.url}/projections`)).json()) as any[];
    const page = (await (await fetch(`${api.url}/orders?customerId=customer-1&limit=100`)).json()) as any;
    expect(status.activeVersion).toBe(3);
    expect(page.items.length).toBe(
      Object.values(expected)
        .filter((o: any) => o.customerId === 'customer-1')
        .slice(0, 100).length,
    );

    apps[0] = await startApp('orders-projector', { ...fx.env, PROJECTION_DROP_OLD_VERSION_AFTER_MS: '500' });
    await waitFor(async () => (await fx.activeVersion('orders')) === 4, { timeoutMs: 60000, what: 'the resumed rebuild to switch' });
    expect(await fx.orders(4)).toEqual(expected);
  });
});
