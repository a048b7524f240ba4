import { AppProcess, randomNamespace, startApp, waitFor } from '@es/testing';
import { EventLogBuilder } from './support/event-log.builder';
import { ReadSideFixture } from './support/read-side.fixture';

const ADMIN_TOKEN = 'test-admin-token-0123456789';

/**
 * Issue 4, poison events: after bounded retries the event is dead-lettered, its partition stops
 * (default policy) and GET /projections reports it; an operator skips it or retries it.
 */
describe('poison events in the inventory projection', () => {
  const fx = new ReadSideFixture(randomNamespace());
  const log = new EventLogBuilder();
  const apps: AppProcess[] = [];
  let api: AppProcess;
  let projector: AppProcess;

  beforeAll(async () => {
    await fx.setUp();
    projector = await startApp('inventory-projector', { ...fx.env, PROJECTION_MAX_ATTEMPTS: '2' });
    api = await startApp('query-api', { ...fx.env, ADMIN_TOKEN });
    apps.push(projector, api);
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await fx.tearDown();
  });

  const inventory = async () => ((await (await fetch(`${api.url}/projections`)).json()) as any[]).find((p) => p.name === 'inventory');
  const admin = (path: string) => fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const product = (sku: string) => fetch(`${api.url}/products/${sku}`);

  it('dead-letters a record that is not an event, stops its partition and reports it; skip resumes after it', async () => {
    await fx.appender.appendRaw('inventory', 'ghost', 'this is not json', { type: 'ProductRegistered' });
    await fx.appender.append([log.productRegistered('ghost'), log.productRegistered('healthy-neighbour-1')]);

    const stopped = await waitFor(
      async () => {
        const p = await inventory();
        return p.status === 'STOPPED' && p.deadLetters.length === 1 && p;
      },
      { what: 'the dead letter to be reported' },
    );
    expect(stopped.deadLetters[0]).toMatchObject({
      projection: 'inventory',
      eventType: 'ProductRegistered',
      status: 'PENDING',
      error: expect.stringContaining('not JSON'),
    });
    const health = (await (await fetch(`${projector.url}/health`)).json()) as any;
    expect(health.checks['projection:inventory']).toMatchObject({ ok: false });
    expect((await product('ghost')).status).toBe(404); // the partition stopped before the later events

    expect((await fetch(`${api.url}/projections/dead-letters/${stopped.deadLetters[0].id}/skip`, { method: 'POST' })).status).toBe(401);
    const skipped = await admin(`/projections/dead-letters/${stopped.deadLetters[0].id}/skip`);
    expect([skipped.status, ((await skipped.json()) as any).status]).toEqual([202, 'SKIPPED']);
    await waitFor(async () => (await product('ghost')).status === 200, { what: 'the partition to resume after the skipped record' });
    expect((await inventory()).status).toBe('RUNNING');
    expect((await admin(`/projections/dead-letters/${stopped.deadLetters[0].id}/skip`)).status).toBe(409);
  });

  it('dead-letters an event the fold rejects; after the cause is repaired a retry applies it and the partition resumes', async () => {
    // Stock for a product the read model has never seen: the fold refuses it.
    await fx.appender.append([log.stockReceived('phantom', 5), log.stockReceived('phantom', 7)]);
    const stopped = await waitFor(
      async () => {
        const p = await inventory();
        return p.deadLetters.length === 1 && p.deadLetters[0].eventType === 'StockReceived' && p;
      },
      { what: 'the dead letter to be reported' },
    );
    expect(stopped.deadLetters[0]).toMatchObject({ status: 'PENDING', attempts: 2, error: expect.stringContaining('never seen') });

    // The operator repairs the read model (e.g. restores the row lost from a backup) …
    await fx.pool.query(`INSERT INTO "${fx.schema('inventory')}".products (sku, name, on_hand, reserved, version) VALUES ('phantom', 'Phantom', 0, 0, 0)`);
    const retried = await admin(`/projections/dead-letters/${stopped.deadLetters[0].id}/retry`);
    expect(retried.status).toBe(202);

    await waitFor(async () => ((await (await product('phantom')).json()) as any).onHand === 12, { what: 'the retried and the following event' });
    const after = await inventory();
    expect([after.status, after.deadLetters]).toEqual(['RUNNING', []]);
    const all = (await (await fetch(`${api.url}/projections/dead-letters`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any[];
    expect(all.map((d) => d.status)).toEqual(['SKIPPED', 'RESOLVED']);
  });
});

describe('a projection configured to skip poison events', () => {
  const fx = new ReadSideFixture(randomNamespace());
  const log = new EventLogBuilder();
  let projector: AppProcess;

  beforeAll(async () => {
    await fx.setUp();
    projector = await startApp('inventory-projector', { ...fx.env, PROJECTION_DEAD_LETTER_POLICY: 'skip', PROJECTION_MAX_ATTEMPTS: '1' });
  });

  afterAll(async () => {
    await projector.stop();
    await fx.tearDown();
  });

  it('records the poison event as skipped and keeps its partition going', async () => {
    await fx.appender.appendRaw('inventory', 'k1', '{"broken":', { type: 'StockReceived' });
    await fx.appender.append([log.productRegistered('k1'), log.stockReceived('k1', 3)]);
    await waitFor(async () => ((await fx.products(1)) as any).k1?.onHand === 3, { what: 'the events after the poison one' });
    const { rows } = await fx.pool.query(`SELECT status, event_type FROM "${fx.ns}_meta".projection_dead_letters`);
    expect(rows).toEqual([{ status: 'SKIPPED', event_type: 'StockReceived' }]);
    const health = await fetch(`${projector.url}/health`);
    expect(health.status).toBe(200);
  });

  it('does not skip an event type its fold table does not name silently: it is a dead letter (here recorded as skipped)', async () => {
    await fx.appender.append([log.productRegistered('k2'), log.event('inventory', 'k2', 'ProductTeleported', { sku: 'k2' }), log.stockReceived('k2', 4)]);
    await waitFor(async () => ((await fx.products(1)) as any).k2?.onHand === 4, { what: 'the event after the unknown one' });
    const { rows } = await fx.pool.query(
      `SELECT status, event_type, error FROM "${fx.ns}_meta".projection_dead_letters WHERE event_type = 'ProductTeleported'`,
    );
    expect(rows).toEqual([{ status: 'SKIPPED', event_type: 'ProductTeleported', error: expect.stringContaining('no fold for event type ProductTeleported') }]);
  });
});

/**
 * Found by test/system/hostile-records: a batch whose decode fails at one record applies the events
 * before it on their own. When one of those fails too (here an envelope without aggregateType, which
 * the event index stores NOT NULL), the error used to escape to kafkajs, which restarted the consumer
 * onto the same batch for good: lag frozen, status RUNNING, no dead letter.
 */
describe('a poison event before the record that failed its batch (event index)', () => {
  const fx = new ReadSideFixture(randomNamespace());
  const log = new EventLogBuilder();
  const apps: AppProcess[] = [];

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await fx.tearDown();
  });

  it('is dead-lettered itself, and its partition stops with /health naming it', async () => {
    await fx.setUp();
    const { aggregateType: _dropped, ...forged } = log.productRegistered('forged');
    await fx.appender.append([log.productRegistered('before')]);
    await fx.appender.appendRaw('inventory', 'forged', JSON.stringify(forged));
    await fx.appender.appendRaw('inventory', 'forged', 'this is not json');
    // Started after the records are in, so that one fetch brings all three in one batch.
    const projector = await startApp('event-index-projector', { ...fx.env, PROJECTION_MAX_ATTEMPTS: '2' });
    const api = await startApp('query-api', { ...fx.env, ADMIN_TOKEN });
    apps.push(projector, api);

    const stopped = await waitFor(
      async () => {
        const all = (await (await fetch(`${api.url}/projections`)).json()) as any[];
        const p = all.find((x) => x.name === 'event-index-inventory');
        return p.status === 'STOPPED' && p.deadLetters.length === 1 && p;
      },
      { timeoutMs: 30_000, what: 'the forged event to be dead-lettered' },
    );
    expect(stopped.deadLetters[0]).toMatchObject({ eventType: 'ProductRegistered', status: 'PENDING', error: expect.stringContaining('aggregate_type') });
    const health = (await (await fetch(`${projector.url}/health`)).json()) as any;
    expect(health.checks['projection:event-index-inventory']).toMatchObject({ ok: false });
    expect(projector.child.exitCode).toBeNull();
    expect(projector.output()).not.toContain('Kafka consumer crashed');
  });
});
