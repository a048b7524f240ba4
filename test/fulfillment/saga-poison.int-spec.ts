/**
 * Issue 9, acceptance (e): an event the fulfillment process cannot react to (undecodable bytes, or
 * an envelope whose payload the reactions choke on) used to crash the saga's consumer on every
 * redelivery, and every later order of that partition stayed PENDING with /health 200. Now, after
 * its attempts, it becomes a dead letter: under the default policy its partition stops (/health 503
 * names it), the other partitions go on, the query API lists it beside the projections' dead
 * letters, and an operator's retry reads it again while a skip resumes the partition after it.
 * Under `SAGA_DEAD_LETTER_POLICY=skip` it is recorded as SKIPPED and passed over at once.
 */
import { randomUUID } from 'node:crypto';
import { partitionForKey, topics } from '@es/kafka';
import { AppProcess, randomNamespace, readTopic, startApp, waitFor, WriteSideHarness } from '@es/testing';

const ADMIN_TOKEN = 'test-admin-token-0123456789';

function placedWithBadLines(orderId: string): string {
  return JSON.stringify({
    eventId: randomUUID(),
    type: 'OrderPlaced',
    schemaVersion: 2,
    context: 'orders',
    aggregateType: 'Order',
    aggregateId: orderId,
    version: 1,
    commandId: randomUUID(),
    correlationId: 'poison',
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload: { orderId, customerId: 'c', lines: null, totalCents: 0 },
  });
}

/** A processor, a saga (with `sagaEnv`) and a query API on a fresh namespace, for one describe block. */
function sagaStack(prefix: string, partitions: number, sagaEnv: Record<string, string>) {
  const harness = new WriteSideHarness(randomNamespace(prefix), partitions);
  const apps: AppProcess[] = [];
  const stack = {
    harness,
    saga: undefined as unknown as AppProcess,
    api: undefined as unknown as AppProcess,
    startSaga: async () => {
      stack.saga = await startApp('fulfillment-saga', { ...harness.env, ...sagaEnv });
      apps.push(stack.saga);
    },
    admin: (path: string, method = 'POST') => fetch(`${stack.api.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    sagaLetters: async () => (await (await stack.admin('/projections/dead-letters?projection=fulfillment-saga', 'GET')).json()) as any[],
  };
  beforeAll(async () => {
    await harness.start();
    apps.push(await startApp('command-processor', harness.env));
    await stack.startSaga();
    stack.api = await startApp('query-api', { ...harness.env, ADMIN_TOKEN });
    apps.push(stack.api);
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop().catch(() => undefined)));
    await harness.stop();
  });
  return stack;
}

describe('the fulfillment process and poison events', () => {
  describe('policy stop (default)', () => {
    const stack = sagaStack('tsp', 2, { SAGA_MAX_ATTEMPTS: '2' });
    const { harness, admin, sagaLetters } = stack;
    const sagaHealth = async () => {
      const res = await fetch(`${stack.saga.url}/health`);
      return { status: res.status, body: (await res.json()) as any };
    };
    const onPartition = (p: number) => {
      let id = randomUUID();
      while (partitionForKey(id, 2) !== p) id = randomUUID();
      return id;
    };
    const orderEvents = () => readTopic(harness.kafka, topics.events(harness.namespace, 'orders'), { idleMs: 500 });
    const confirmed = (records: Awaited<ReturnType<typeof orderEvents>>, orderId: string) =>
      records.some((r) => r.key === orderId && r.value?.includes('"OrderConfirmed"'));

    it('dead-letters the record, stops only its partition with /health 503 naming it; retry reads it again, skip resumes after it', async () => {
      await harness.registerProduct('AFTER-POISON', 100);
      // An order on each partition first: the processor then holds both in memory. (A processor that
      // had to rebuild a partition from its events would stop on the garbage instead — by design.)
      await harness.placeOrder([{ sku: 'AFTER-POISON', quantity: 1 }], onPartition(0));
      await harness.placeOrder([{ sku: 'AFTER-POISON', quantity: 1 }], onPartition(1));
      const producer = harness.kafka.producer();
      await producer.connect();
      const [sent] = await producer.send({
        topic: topics.events(harness.namespace, 'orders'),
        acks: -1,
        messages: [{ key: 'garbage', partition: 0, value: Buffer.from([0x7b, 0x00, 0xff]), headers: { type: 'OrderPlaced' } }],
      });
      await producer.disconnect();
      const poisonOffset = Number(sent.baseOffset);

      // Orders after the poison: those on partition 1 complete; those on partition 0 wait behind it.
      const onStopped = [onPartition(0), onPartition(0), onPartition(0)];
      const onOther = [onPartition(1), onPartition(1), onPartition(1)];
      await Promise.all([...onStopped, ...onOther].map((id) => harness.placeOrder([{ sku: 'AFTER-POISON', quantity: 1 }], id)));
      await waitFor(
        async () => {
          const records = await orderEvents();
          return onOther.every((id) => confirmed(records, id));
        },
        { timeoutMs: 60000, intervalMs: 500, what: 'the orders of the other partition to be confirmed' },
      );

      const letters = await waitFor(
        async () => {
          const found = await sagaLetters();
          return found.length === 1 && found;
        },
        { what: 'the saga dead letter to be listed by the query API' },
      );
      expect(letters[0]).toMatchObject({
        projection: 'fulfillment-saga',
        topic: topics.events(harness.namespace, 'orders'),
        partition: 0,
        offset: poisonOffset,
        eventType: 'OrderPlaced',
        status: 'PENDING',
        attempts: 2,
      });
      expect(JSON.stringify(letters[0].payload)).toContain('\\\\u0000'); // the NUL kept visible, not refused by PostgreSQL
      const health = await waitFor(
        async () => {
          const h = await sagaHealth();
          return h.status === 503 && h;
        },
        { what: 'the saga /health to fail' },
      );
      expect(health.body.checks['saga-dead-letters'].detail[`${topics.events(harness.namespace, 'orders')}#0`]).toMatchObject({
        offset: poisonOffset,
        deadLetterId: letters[0].id,
      });
      const records = await orderEvents();
      expect(onStopped.filter((id) => confirmed(records, id))).toEqual([]);

      // Retry: read again, fails again, PENDING again with more attempts; the partition stays stopped.
      expect((await admin(`/projections/dead-letters/${letters[0].id}/retry`)).status).toBe(202);
      await waitFor(
        async () => {
          const [letter] = await sagaLetters();
          return letter.status === 'PENDING' && letter.attempts === 4;
        },
        { what: 'the retried dead letter to fail again' },
      );
      expect((await sagaHealth()).status).toBe(503);

      // Skip: the partition resumes after the record; its waiting orders complete.
      const skipped = await admin(`/projections/dead-letters/${letters[0].id}/skip`);
      expect([skipped.status, ((await skipped.json()) as any).status]).toEqual([202, 'SKIPPED']);
      await waitFor(
        async () => {
          const after = await orderEvents();
          return onStopped.every((id) => confirmed(after, id));
        },
        { timeoutMs: 60000, intervalMs: 500, what: 'the orders behind the skipped record to be confirmed' },
      );
      await waitFor(async () => (await sagaHealth()).status === 200, { what: 'the saga /health to recover' });
      expect(await sagaLetters()).toEqual([expect.objectContaining({ status: 'SKIPPED' })]);
    });

    it('an answer given while the saga is down holds: the restarted saga meets the record, finds it SKIPPED and goes on', async () => {
      const producer = harness.kafka.producer();
      await producer.connect();
      const [sent] = await producer.send({
        topic: topics.events(harness.namespace, 'orders'),
        acks: -1,
        messages: [{ key: 'garbage-2', partition: 0, value: Buffer.from('not json') }],
      });
      await producer.disconnect();
      const letter = await waitFor(async () => (await sagaLetters()).find((l) => l.offset === Number(sent.baseOffset) && l.status === 'PENDING'), {
        what: 'the second saga dead letter',
      });
      await stack.saga.stop();
      expect((await admin(`/projections/dead-letters/${letter.id}/skip`)).status).toBe(202);
      await stack.startSaga();
      const orderId = await harness.placeOrder([{ sku: 'AFTER-POISON', quantity: 1 }], onPartition(0));
      await waitFor(async () => confirmed(await orderEvents(), orderId), {
        timeoutMs: 60000,
        intervalMs: 500,
        what: 'an order behind the record to be confirmed',
      });
      expect((await sagaHealth()).status).toBe(200);
      expect((await sagaLetters()).map((l) => l.status)).toEqual(['SKIPPED', 'SKIPPED']);
    });
  });

  describe('policy skip', () => {
    const stack = sagaStack('tsk', 1, { SAGA_DEAD_LETTER_POLICY: 'skip', SAGA_MAX_ATTEMPTS: '1' });
    const { harness } = stack;

    it('records an undecodable event and an OrderPlaced whose lines are not a list as SKIPPED; the orders behind them are decided', async () => {
      await harness.registerProduct('AFTER-POISON', 5);
      await harness.placeOrder([{ sku: 'AFTER-POISON', quantity: 1 }]);
      const producer = harness.kafka.producer();
      await producer.connect();
      const orderId = randomUUID();
      await producer.send({
        topic: topics.events(harness.namespace, 'orders'),
        messages: [
          { key: 'garbage', value: Buffer.from([0x7b, 0x00, 0xff]) },
          { key: orderId, value: placedWithBadLines(orderId) },
        ],
      });
      await producer.disconnect();

      const placed = await harness.placeOrder([{ sku: 'AFTER-POISON', quantity: 2 }]);
      await waitFor(
        async () =>
          (await readTopic(harness.kafka, topics.events(harness.namespace, 'orders'), { idleMs: 500 })).some(
            (r) => r.key === placed && r.value?.includes('"OrderConfirmed"'),
          ),
        { timeoutMs: 60000, intervalMs: 500, what: 'the order behind the poison events to be confirmed' },
      );

      const metrics = await (await fetch(`${stack.saga.url}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`es_saga_dead_letters_total\\{topic="${harness.namespace}\\.orders\\.events",action="skipped"[^}]*\\} 2`));
      expect((await fetch(`${stack.saga.url}/health`)).status).toBe(200);
      const letters = await stack.sagaLetters();
      expect(letters.map((l) => [l.status, l.eventType])).toEqual([
        ['SKIPPED', null],
        ['SKIPPED', 'OrderPlaced'],
      ]);
    });
  });
});
