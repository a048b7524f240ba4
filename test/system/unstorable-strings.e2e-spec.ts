/**
 * Issue 8, item 3, end to end: a string PostgreSQL cannot store (a NUL in customerId or in a
 * product name) used to be acknowledged (201), then stop the projection partition for every client
 * on it. Now it is refused at the HTTP door (400, nothing appended), a command record carrying one
 * that reaches the command topic by another road is rejected by the decider (no event), and the
 * projections keep running.
 */
import { randomUUID } from 'node:crypto';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { ValidationError } from '@es/domain';
import { CONTEXTS, KafkaCommandTransport, topics } from '@es/kafka';
import { AppProcess, randomNamespace, startApp, waitFor } from '@es/testing';

describe('a string the read models cannot store', () => {
  const ns = randomNamespace('nul');
  const env = { ES_NAMESPACE: ns, TOPIC_PARTITIONS: '3' };
  const apps: Record<string, AppProcess> = {};
  const kafka = new Kafka({ clientId: 'unstorable-strings-test', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  let admin: Admin;
  let transport: KafkaCommandTransport;
  let control: { orderId: string; position: string };

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${apps['command-api'].url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, any> };
  };
  const query = async (path: string, position?: string) => {
    const res = await fetch(`${apps['query-api'].url}${path}`, { headers: position ? { 'X-Min-Position': position } : {} });
    return { status: res.status, body: (await res.json()) as any };
  };
  const appended = async (kind: 'commands' | 'events') => {
    const total: Record<string, number> = {};
    for (const context of CONTEXTS) {
      const offsets = await admin.fetchTopicOffsets(kind === 'commands' ? topics.commands(ns, context) : topics.events(ns, context));
      total[context] = offsets.reduce((sum, p) => sum + Number(p.high), 0);
    }
    return total;
  };

  beforeAll(async () => {
    for (const app of ['command-processor', 'orders-projector', 'inventory-projector', 'query-api', 'command-api']) {
      apps[app] = await startApp(app, env);
    }
    admin = kafka.admin();
    await admin.connect();
    transport = new KafkaCommandTransport(kafka, { namespace: ns, timeoutMs: 20000 });
    await transport.start();
    // A control product and order, so the projections are running and have something to show.
    expect((await post('/products', { sku: 'NUL-1', name: 'Control cup' })).status).toBe(201);
    const placed = await post('/orders', { customerId: 'control', lines: [{ sku: 'NUL-1', quantity: 1, unitPriceCents: 100 }] });
    expect(placed.status).toBe(201);
    control = { orderId: placed.body.orderId, position: placed.body.position };
  });

  afterAll(async () => {
    await transport?.stop();
    await admin?.disconnect();
    await Promise.all(Object.values(apps).map((a) => a.stop()));
  });

  it('is refused at the command API with 400 naming the field, and nothing is appended', async () => {
    const commandsBefore = await appended('commands');
    const eventsBefore = await appended('events');

    const order = await post('/orders', { customerId: 'a\u0000b', lines: [{ sku: 'NUL-1', quantity: 1, unitPriceCents: 100 }] });
    const product = await post('/products', { sku: 'NUL-2', name: 'Cup\u0000' });
    const cancel = await post(`/orders/${control.orderId}/cancel`, { reason: 'x\u0000' });

    for (const [answer, field] of [
      [order, 'customerId'],
      [product, 'name'],
      [cancel, 'reason'],
    ] as const) {
      expect([answer.status, answer.type]).toEqual([400, expect.stringContaining('application/problem+json')]);
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect(await appended('commands')).toEqual(commandsBefore);
    expect(await appended('events')).toEqual(eventsBefore);
  });

  it('is rejected by the decider when a command record carrying it reaches the command topic directly', async () => {
    const eventsBefore = await appended('events');
    const orderId = randomUUID();
    const send = (context: 'orders' | 'inventory', type: string, aggregateId: string, data: unknown) =>
      transport.send({ context, type, aggregateId, data, commandId: randomUUID(), correlationId: randomUUID() });

    const placeOrder = send('orders', 'PlaceOrder', orderId, { orderId, customerId: 'a\u0000b', lines: [{ sku: 'NUL-1', quantity: 1, unitPriceCents: 100 }] });
    const register = send('inventory', 'RegisterProduct', 'NUL-3', { sku: 'NUL-3', name: 'Cup\u0000' });

    await expect(placeOrder).rejects.toBeInstanceOf(ValidationError);
    await expect(placeOrder).rejects.toMatchObject({ errors: [expect.objectContaining({ field: 'customerId' })] });
    await expect(register).rejects.toMatchObject({ errors: [expect.objectContaining({ field: 'name' })] });
    expect(await appended('events')).toEqual(eventsBefore);
  });

  it('leaves every projection RUNNING, without dead letters, and the control order readable', async () => {
    const order = await query(`/orders/${control.orderId}`, control.position);
    const missing = await query(`/orders?customerId=a%00b`);
    // Settled: every event applied (lag 0) or a partition stopped on one — so RUNNING below is not
    // merely "has not reached the bad event yet".
    const projections = await waitFor(
      async () => {
        const r = await query('/projections');
        return r.body.every((p: any) => p.lag === 0 || p.status === 'STOPPED') && r;
      },
      { what: 'the projections to settle' },
    );

    expect([order.status, order.body.customerId]).toEqual([200, 'control']);
    expect(missing.status).toBe(400);
    expect(projections.body.map((p: any) => ({ name: p.name, status: p.status, deadLetters: p.deadLetters }))).toEqual([
      { name: 'orders', status: 'RUNNING', deadLetters: [] },
      { name: 'inventory', status: 'RUNNING', deadLetters: [] },
    ]);
  });
});
