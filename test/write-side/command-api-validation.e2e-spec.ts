/**
 * The command API's gate, black-box: every rule of the contract's validation list
 * (docs/api.md), broken one at a time against the built app and the real broker, gets
 * its 4xx problem+json — and nothing reaches the command topics. The command processor is not
 * running: a request that slipped through would show up as a command offset, not as a success.
 */
import { Admin, Kafka, logLevel } from 'kafkajs';
import { CONTEXTS, topics } from '@es/kafka';
import { AppProcess, dropNamespace, randomNamespace, startApp } from '@es/testing';

const ORDER_ID = '3f0e4a5c-8d2b-4c1e-9a7f-0b6d2e8c4a11';
const PRODUCT = { sku: 'SKU-1', name: 'Espresso cup' };
const STOCK = { quantity: 5 };
const line = (sku: string, extra: Record<string, unknown> = {}) => ({ sku, quantity: 1, unitPriceCents: 100, ...extra });
const ORDER = { customerId: 'customer-1', lines: [line('SKU-1')] };
const order = (extra: Record<string, unknown>) => ({ ...ORDER, ...extra });
const orderLine = (extra: Record<string, unknown>) => ({ ...ORDER, lines: [line('SKU-1', extra)] });
const lines = (n: number) => Array.from({ length: n }, (_, i) => line(`SKU-${i}`));

interface BadRequest {
  readonly path: string;
  /** An object is sent as JSON; a string is sent as it is; undefined sends no body. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

const post = (path: string, body?: unknown, headers?: Record<string, string>): BadRequest => ({ path, body, headers });

/** [behaviour, request, status, field named in `errors` (when the rule is about one field)] */
type Row = [string, BadRequest, number, string | undefined];

const bodyRules: Row[] = [
  ['refuses a product without sku', post('/products', { name: 'Cup' }), 400, 'sku'],
  ['refuses a sku that starts with a dot', post('/products', { ...PRODUCT, sku: '.hidden' }), 400, 'sku'],
  ['refuses a sku that starts with a dash', post('/products', { ...PRODUCT, sku: '-x' }), 400, 'sku'],
  ['refuses a sku of 65 characters', post('/products', { ...PRODUCT, sku: 'S'.repeat(65) }), 400, 'sku'],
  ['refuses a sku with a space', post('/products', { ...PRODUCT, sku: 'SKU 1' }), 400, 'sku'],
  ['refuses a sku with a slash', post('/products', { ...PRODUCT, sku: 'SKU/1' }), 400, 'sku'],
  ['refuses a sku that is a number', post('/products', { ...PRODUCT, sku: 12 }), 400, 'sku'],
  ['refuses a product without name', post('/products', { sku: 'SKU-1' }), 400, 'name'],
  ['refuses an empty name', post('/products', { ...PRODUCT, name: '' }), 400, 'name'],
  ['refuses a name of 201 characters', post('/products', { ...PRODUCT, name: 'n'.repeat(201) }), 400, 'name'],
  ['refuses a name that is not a string', post('/products', { ...PRODUCT, name: ['Cup'] }), 400, 'name'],
  ['refuses an unknown field in a product', post('/products', { ...PRODUCT, price: 100 }), 400, 'price'],

  ['refuses stock for a path sku that breaks the sku rule', post('/products/-bad/stock', STOCK), 400, 'sku'],
  ['refuses stock for a path sku of 65 characters', post(`/products/${'S'.repeat(65)}/stock`, STOCK), 400, 'sku'],
  ['refuses stock without quantity', post('/products/SKU-1/stock', {}), 400, 'quantity'],
  ['refuses quantity 0', post('/products/SKU-1/stock', { quantity: 0 }), 400, 'quantity'],
  ['refuses a negative quantity', post('/products/SKU-1/stock', { quantity: -3 }), 400, 'quantity'],
  ['refuses quantity 1,000,001', post('/products/SKU-1/stock', { quantity: 1_000_001 }), 400, 'quantity'],
  ['refuses a non-integer quantity', post('/products/SKU-1/stock', { quantity: 1.5 }), 400, 'quantity'],
  ['refuses a quantity sent as a string', post('/products/SKU-1/stock', { quantity: '5' }), 400, 'quantity'],
  ['refuses an unknown field in a stock receipt', post('/products/SKU-1/stock', { ...STOCK, warehouse: 'A' }), 400, 'warehouse'],

  ['refuses an orderId that is not a UUID', post('/orders', order({ orderId: 'order-1' })), 400, 'orderId'],
  ['refuses an order without customerId', post('/orders', { lines: ORDER.lines }), 400, 'customerId'],
  ['refuses an empty customerId', post('/orders', order({ customerId: '' })), 400, 'customerId'],
  ['refuses a customerId of 65 characters', post('/orders', order({ customerId: 'c'.repeat(65) })), 400, 'customerId'],
  ['refuses a customerId that is a number', post('/orders', order({ customerId: 7 })), 400, 'customerId'],
  ['refuses an order without lines', post('/orders', { customerId: 'customer-1' }), 400, 'lines'],
  ['refuses an order with 0 lines', post('/orders', order({ lines: [] })), 400, 'lines'],
  ['refuses an order with 101 lines', post('/orders', order({ lines: lines(101) })), 400, 'lines'],
  ['refuses lines that are not an array', post('/orders', order({ lines: line('SKU-1') })), 400, 'lines'],
  ['refuses a line that is not an object', post('/orders', order({ lines: [line('SKU-1'), 'SKU-2'] })), 400, 'lines[1]'],
  ['refuses the same sku on two lines', post('/orders', order({ lines: [line('SKU-1'), line('SKU-1')] })), 400, 'lines[1].sku'],
  ['refuses a line sku that breaks the sku rule', post('/orders', order({ lines: [line('SKU-1'), line('bad sku')] })), 400, 'lines[1].sku'],
  ['refuses a line without sku', post('/orders', order({ lines: [{ quantity: 1, unitPriceCents: 1 }] })), 400, 'lines[0].sku'],
  ['refuses a line quantity of 0', post('/orders', orderLine({ quantity: 0 })), 400, 'lines[0].quantity'],
  ['refuses a line quantity of 1,000,001', post('/orders', orderLine({ quantity: 1_000_001 })), 400, 'lines[0].quantity'],
  ['refuses a non-integer line quantity', post('/orders', orderLine({ quantity: 2.5 })), 400, 'lines[0].quantity'],
  ['refuses a negative unitPriceCents', post('/orders', orderLine({ unitPriceCents: -1 })), 400, 'lines[0].unitPriceCents'],
  ['refuses unitPriceCents of 100,000,001', post('/orders', orderLine({ unitPriceCents: 100_000_001 })), 400, 'lines[0].unitPriceCents'],
  ['refuses a non-integer unitPriceCents', post('/orders', orderLine({ unitPriceCents: 9.99 })), 400, 'lines[0].unitPriceCents'],
  ['refuses a line without unitPriceCents', post('/orders', order({ lines: [{ sku: 'A', quantity: 1 }] })), 400, 'lines[0].unitPriceCents'],
  ['refuses an unknown field in a line', post('/orders', orderLine({ discount: 5 })), 400, 'lines[0].discount'],
  ['refuses an unknown field in an order', post('/orders', order({ coupon: 'FREE' })), 400, 'coupon'],

  ['refuses to cancel an order whose path id is not a UUID', post('/orders/order-1/cancel', {}), 400, 'orderId'],
  ['refuses a cancel reason that is not a string', post(`/orders/${ORDER_ID}/cancel`, { reason: 42 }), 400, 'reason'],
  ['refuses an unknown field in a cancel', post(`/orders/${ORDER_ID}/cancel`, { refund: true }), 400, 'refund'],
  ['refuses to ship an order whose path id is not a UUID', post('/orders/12345/ship', {}), 400, 'orderId'],
  ['refuses any field in a ship', post(`/orders/${ORDER_ID}/ship`, { carrier: 'UPS' }), 400, 'carrier'],
];

// Strings the read side cannot store (issue 8): each was accepted (201) and then stopped a projection.
const stringRules: Row[] = [
  ['refuses a NUL in customerId', post('/orders', order({ customerId: 'a\u0000b' })), 400, 'customerId'],
  ['refuses a NUL in a product name', post('/products', { ...PRODUCT, name: 'Cup\u0000' }), 400, 'name'],
  ['refuses an unpaired surrogate in a product name', post('/products', { ...PRODUCT, name: 'Cup \uD800' }), 400, 'name'],
  ['refuses an unpaired surrogate in customerId', post('/orders', order({ customerId: '\uDC00c' })), 400, 'customerId'],
  ['refuses a NUL in a line sku', post('/orders', order({ lines: [line('SKU-1'), line('SKU-2\u0000')] })), 400, 'lines[1].sku'],
  ['refuses a NUL in a cancel reason', post(`/orders/${ORDER_ID}/cancel`, { reason: 'no\u0000' }), 400, 'reason'],
  ['refuses a NUL in a path sku', post('/products/SKU-1%00/stock', STOCK), 400, 'sku'],
];

// Keys and shapes that reach JavaScript object machinery (issue 8): accepted, or a stack overflow (500).
const structureRules: Row[] = [
  ['refuses a __proto__ field', post('/products', '{"sku":"SKU-1","name":"Cup","__proto__":{"isAdmin":true}}'), 400, '__proto__'],
  [
    'refuses a constructor field in a line',
    post('/orders', '{"customerId":"c","lines":[{"sku":"A","quantity":1,"unitPriceCents":1,"constructor":{"prototype":{}}}]}'),
    400,
    'lines[0].constructor',
  ],
  ['refuses a prototype field', post('/products/SKU-1/stock', { quantity: 1, prototype: {} }), 400, 'prototype'],
  ['refuses a body nested 5,000 levels deep', post('/products', `{"sku":"SKU-1","name":${'['.repeat(5000)}${']'.repeat(5000)}}`), 400, 'body'],
  [
    'refuses a body nested 33 levels deep',
    post('/orders/3f0e4a5c-8d2b-4c1e-9a7f-0b6d2e8c4a11/cancel', `{"reason":${'{"a":'.repeat(32)}1${'}'.repeat(32)}}`),
    400,
    'body',
  ],
];

const bodyShapeRules: Row[] = [
  ['refuses a body that is a JSON array', post('/products', [PRODUCT]), 400, 'body'],
  ['refuses an empty JSON array as a ship body', post(`/orders/${ORDER_ID}/ship`, []), 400, 'body'],
  ['refuses a body that is a JSON string', post('/orders', '"an order"'), 400, undefined],
  ['refuses a body that is a JSON number', post('/products/SKU-1/stock', '5'), 400, undefined],
  ['refuses a body that is not valid JSON', post('/products', '{"sku": "SKU-1",'), 400, undefined],
  ['refuses POST /products without a body', post('/products'), 400, 'sku'],
  ['refuses POST /products/{sku}/stock without a body', post('/products/SKU-1/stock'), 400, 'quantity'],
  ['refuses POST /orders without a body', post('/orders'), 400, 'customerId'],
  [
    'refuses a body that is not JSON with 415',
    post('/products', 'sku=SKU-1&name=Cup', { 'content-type': 'application/x-www-form-urlencoded' }),
    415,
    undefined,
  ],
  ['refuses a body larger than 64 KiB with 413', post('/products', { ...PRODUCT, name: 'n'.repeat(64 * 1024) }), 413, undefined],
];

const headerRules: Row[] = [
  ['refuses an empty Idempotency-Key', post('/products', PRODUCT, { 'idempotency-key': '' }), 400, 'Idempotency-Key'],
  ['refuses an Idempotency-Key of 201 characters', post('/products', PRODUCT, { 'idempotency-key': 'k'.repeat(201) }), 400, 'Idempotency-Key'],
  ['refuses an Idempotency-Key with a non-ASCII character', post('/orders', ORDER, { 'idempotency-key': 'clé-1' }), 400, 'Idempotency-Key'],
  ['refuses an If-Match that is not a version', post('/products/SKU-1/stock', STOCK, { 'if-match': 'abc' }), 400, 'If-Match'],
  ['refuses an If-Match wildcard', post(`/orders/${ORDER_ID}/cancel`, {}, { 'if-match': '*' }), 400, 'If-Match'],
  ['refuses a negative If-Match', post(`/orders/${ORDER_ID}/ship`, {}, { 'if-match': '-1' }), 400, 'If-Match'],
  ['refuses a decimal If-Match', post('/products/SKU-1/stock', STOCK, { 'if-match': '1.0' }), 400, 'If-Match'],
  ['refuses a list of entity tags in If-Match', post('/products', PRODUCT, { 'if-match': '"1", "2"' }), 400, 'If-Match'],
  ['refuses a non-numeric entity tag in If-Match', post('/orders', ORDER, { 'if-match': 'W/"v1"' }), 400, 'If-Match'],
];

describe('the command API refuses bad input before anything reaches Kafka', () => {
  const ns = randomNamespace('tcv');
  const kafka = new Kafka({ clientId: 'command-api-validation-test', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  let admin: Admin;
  let api: AppProcess;
  let refused = 0;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    // A short reply timeout for the control case at the end, which no processor answers.
    api = await startApp('command-api', { ES_NAMESPACE: ns, COMMAND_TIMEOUT_MS: '1500' });
  });

  afterAll(async () => {
    await api?.stop();
    await dropNamespace(ns, admin);
    await admin.disconnect();
  });

  async function send({ path, body, headers = {} }: BadRequest): Promise<Response> {
    const raw = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { ...(raw !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: raw,
    });
  }

  describe.each([
    ['body fields', bodyRules],
    ['unstorable strings', stringRules],
    ['JSON structure', structureRules],
    ['body shape and size', bodyShapeRules],
    ['headers', headerRules],
  ])('%s', (_group, rows) => {
    it.each(rows)('%s', async (_behaviour, request, status, field) => {
      const res = await send(request);
      const problem = (await res.json()) as Record<string, unknown>;

      expect({ status: res.status, contentType: res.headers.get('content-type') }).toEqual({
        status,
        contentType: expect.stringMatching(/^application\/problem\+json/),
      });
      expect(problem).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }));
      if (problem.errors !== undefined) {
        expect(problem.errors).toEqual(expect.arrayContaining([{ field: expect.any(String), message: expect.any(String) }]));
      }
      if (field !== undefined) {
        expect((problem.errors as { field: string }[]).map((e) => e.field)).toContain(field);
      }
      refused += 1;
    });
  });

  it('has appended nothing to the command topics after all those requests', async () => {
    // Runs after the tables (declaration order); the count proves they ran, and were all refused.
    expect(refused).toBe(bodyRules.length + stringRules.length + structureRules.length + bodyShapeRules.length + headerRules.length);
    for (const context of CONTEXTS) {
      const offsets = await admin.fetchTopicOffsets(topics.commands(ns, context));
      expect({ context, appended: offsets.reduce((sum, p) => sum + Number(p.high), 0) }).toEqual({ context, appended: 0 });
    }
  });

  it('does append a valid command — the probe above sees appends — and answers 504 when no processor replies', async () => {
    const res = await send(post('/products/SKU-1/stock', STOCK, { 'idempotency-key': 'control-1', 'if-match': 'W/"0"' }));
    expect({ status: res.status, contentType: res.headers.get('content-type') }).toEqual({
      status: 504,
      contentType: expect.stringMatching(/^application\/problem\+json/),
    });
    expect(await res.json()).toEqual(expect.objectContaining({ status: 504, title: 'Gateway Timeout' }));
    const offsets = await admin.fetchTopicOffsets(topics.commands(ns, 'inventory'));
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(1);
  });
});
