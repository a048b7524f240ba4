/**
 * The command API's success and domain-error paths, black-box, through the built command-api and
 * command-processor against the real broker: status codes and bodies per the contract, Idempotency-Key
 * retries that append nothing, If-Match, and the correlation id carried into the events.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { EventEnvelope } from '@es/event-store';
import { topics } from '@es/kafka';
import { AppProcess, dropNamespace, randomNamespace, readTopic, startApp } from '@es/testing';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the command API turns requests into commands and answers with their outcome', () => {
  const ns = randomNamespace('tca');
  const kafka = new Kafka({ clientId: 'command-api-commands-test', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const running: AppProcess[] = [];
  let api: AppProcess;

  beforeAll(async () => {
    // Sequential: the processor provisions the topics; two Nest boots at once on two cores only slow both.
    running.push(await startApp('command-processor', { ES_NAMESPACE: ns }));
    api = await startApp('command-api', { ES_NAMESPACE: ns });
    running.push(api);
  });

  afterAll(async () => {
    await Promise.all(running.map((app) => app.stop()));
    const admin = kafka.admin();
    await admin.connect();
    await dropNamespace(ns, admin);
    await admin.disconnect();
  });

  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
  }

  const events = async (context: 'orders' | 'inventory', aggregateId: string) =>
    (await readTopic(kafka, topics.events(ns, context), { idleMs: 1000 }))
      .map((r) => JSON.parse(r.value!) as EventEnvelope)
      .filter((e) => e.aggregateId === aggregateId);

  const line = (sku: string) => ({ sku, quantity: 2, unitPriceCents: 1250 });

  describe('products', () => {
    it('registers a product with 201 and its first version and a position', async () => {
      const res = await post('/products', { sku: 'CUP-1', name: 'Espresso cup' });
      expect(res).toEqual({
        status: 201,
        contentType: expect.stringMatching(/^application\/json/),
        body: { sku: 'CUP-1', version: 1, position: expect.any(String) },
      });
    });

    it('answers 409 problem+json when the sku is already registered', async () => {
      const res = await post('/products', { sku: 'CUP-1', name: 'Another cup' });
      expect(res).toMatchObject({ status: 409, contentType: expect.stringMatching(/^application\/problem\+json/), body: { status: 409, title: 'Conflict' } });
    });

    it('receives stock with 200 and the next version', async () => {
      expect(await post('/products/CUP-1/stock', { quantity: 10 })).toMatchObject({
        status: 200,
        body: { sku: 'CUP-1', version: 2, position: expect.any(String) },
      });
    });

    it('answers 404 for stock of a product that is not registered', async () => {
      expect(await post('/products/NOPE-1/stock', { quantity: 1 })).toMatchObject({ status: 404, body: { status: 404 } });
    });

    it('answers 412 when If-Match names a version the product is not at, and applies it when it is', async () => {
      expect(await post('/products/CUP-1/stock', { quantity: 1 }, { 'if-match': '"1"' })).toMatchObject({ status: 412, body: { status: 412 } });
      expect(await post('/products/CUP-1/stock', { quantity: 1 }, { 'if-match': 'W/"2"' })).toMatchObject({ status: 200, body: { version: 3 } });
      expect(await post('/products/CUP-1/stock', { quantity: 1 }, { 'if-match': '3' })).toMatchObject({ status: 200, body: { version: 4 } });
    });

    it('answers a retried stock receipt (same Idempotency-Key) with the first response and appends nothing', async () => {
      const first = await post('/products/CUP-1/stock', { quantity: 7 }, { 'idempotency-key': 'stock-cup-1-a' });
      const retry = await post('/products/CUP-1/stock', { quantity: 7 }, { 'idempotency-key': 'stock-cup-1-a' });
      expect(first).toMatchObject({ status: 200, body: { version: 5 } });
      expect(retry).toEqual(first);
      expect((await events('inventory', 'CUP-1')).map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
    });
  });

  describe('orders', () => {
    const order = { customerId: 'customer-1', lines: [line('CUP-1'), line('SAUCER-1')] };

    it('places an order with 201, a server-chosen UUID, version 1 and status PENDING', async () => {
      const res = await post('/orders', order);
      expect(res).toEqual({
        status: 201,
        contentType: expect.stringMatching(/^application\/json/),
        body: { orderId: expect.stringMatching(UUID), version: 1, status: 'PENDING', position: expect.any(String) },
      });
    });

    it('places two orders for two identical requests without Idempotency-Key', async () => {
      const [a, b] = [await post('/orders', order), await post('/orders', order)];
      expect(a.body.orderId).not.toBe(b.body.orderId);
    });

    it('keeps an orderId chosen by the client, lowercased', async () => {
      const orderId = randomUUID();
      expect(await post('/orders', { ...order, orderId: orderId.toUpperCase() })).toMatchObject({ status: 201, body: { orderId } });
    });

    it('answers a retried POST /orders (same Idempotency-Key, same body) with the first response and places one order', async () => {
      const first = await post('/orders', order, { 'idempotency-key': 'order-retry-1' });
      const retry = await post('/orders', order, { 'idempotency-key': 'order-retry-1' });
      expect(first).toMatchObject({ status: 201, body: { version: 1, status: 'PENDING' } });
      expect(retry).toEqual(first);
      expect((await events('orders', first.body.orderId as string)).map((e) => e.type)).toEqual(['OrderPlaced']);
    });

    it('answers 422 when an Idempotency-Key is reused with a different body', async () => {
      await post('/orders', order, { 'idempotency-key': 'order-reuse-1' });
      const res = await post('/orders', { ...order, customerId: 'customer-2' }, { 'idempotency-key': 'order-reuse-1' });
      expect(res).toMatchObject({ status: 422, contentType: expect.stringMatching(/^application\/problem\+json/), body: { status: 422 } });
    });

    it('cancels a PENDING order with 200 and the next version, then refuses a second cancel with 409', async () => {
      const { body } = await post('/orders', order);
      const path = `/orders/${body.orderId as string}/cancel`;
      expect(await post(path, { reason: 'changed my mind' })).toEqual({
        status: 200,
        contentType: expect.stringMatching(/^application\/json/),
        body: { orderId: body.orderId, version: 2, position: expect.any(String) },
      });
      expect(await post(path, {})).toMatchObject({ status: 409, body: { status: 409 } });
    });

    it('cancels with a null reason as with none', async () => {
      const { body } = await post('/orders', order);
      expect(await post(`/orders/${body.orderId as string}/cancel`, { reason: null })).toMatchObject({ status: 200, body: { version: 2 } });
    });

    it('refuses to ship an order that is not CONFIRMED with 409', async () => {
      const { body } = await post('/orders', order);
      expect(await post(`/orders/${body.orderId as string}/ship`, {})).toMatchObject({ status: 409, body: { status: 409 } });
    });

    it.each(['cancel', 'ship'])('answers 404 to %s an order that does not exist', async (action) => {
      expect(await post(`/orders/${randomUUID()}/${action}`, {})).toMatchObject({ status: 404, body: { status: 404 } });
    });

    it('carries the request X-Correlation-Id into the events the command appends', async () => {
      const correlationId = `corr-${randomUUID()}`;
      const { body } = await post('/orders', order, { 'x-correlation-id': correlationId });
      expect((await events('orders', body.orderId as string)).map((e) => e.correlationId)).toEqual([correlationId]);
    });
  });

  it('measures command latency by type and outcome', async () => {
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/es_command_api_duration_seconds_count\{[^}]*type="RegisterProduct",outcome="ok"\} 1/);
    expect(metrics).toMatch(/es_command_api_duration_seconds_count\{[^}]*type="RegisterProduct",outcome="conflict"\} 1/);
    expect(metrics).toMatch(/es_command_api_duration_seconds_count\{[^}]*type="PlaceOrder",outcome="duplicate"\}/);
  });
});
