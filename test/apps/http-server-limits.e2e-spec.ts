/**
 * The HTTP servers against hostile clients (issue 8): slow-loris heads and bodies are closed within
 * the configured timeouts, idle keep-alive sockets too, and what Node refuses before any handler
 * runs (too long a URL or head, unparsable HTTP) is answered with problem+json like every other
 * error. Small timeouts keep the test short; the defaults are in docs/operations.md.
 */
import { connect } from 'node:net';
import { AppProcess, randomNamespace, startApp } from '@es/testing';

const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
const KEEP_ALIVE_TIMEOUT_MS = 1000;
const LIMITS = {
  HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
  HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
};
// Node checks the timeouts from a periodic sweep (a quarter of the shortest timeout here), plus
// scheduling noise on a busy test machine.
const SLACK_MS = 1500;
// A client that is still connected after this was never going to be closed by the server.
const GIVE_UP_MS = 15000;

interface Outcome {
  readonly closedAfterMs: number;
  readonly closedByServer: boolean;
  readonly response: string;
}

/** Writes `head`, then `drip` every `everyMs` until the server closes the socket (or GIVE_UP_MS). */
function slowClient(port: number, head: string, drip: string, everyMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    let response = '';
    let gaveUp = false;
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    const dripping = setInterval(() => socket.writable && socket.write(drip), everyMs);
    const giveUp = setTimeout(() => {
      gaveUp = true;
      socket.destroy();
    }, GIVE_UP_MS);
    socket.on('data', (chunk) => (response += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(dripping);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - started, closedByServer: !gaveUp, response });
    });
  });
}

/** Sends raw bytes and collects the whole answer until the server closes. */
function raw(port: number, bytes: string): Promise<string> {
  return slowClient(port, bytes, '', 60_000).then((o) => o.response);
}

function statusAndBody(response: string): { status: number; contentType: string | undefined; body: Record<string, unknown> } {
  const [head, body] = [response.slice(0, response.indexOf('\r\n\r\n')), response.slice(response.indexOf('\r\n\r\n') + 4)];
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
    contentType: /\r\ncontent-type: *([^\r\n]+)/i.exec(head)?.[1],
    body: body ? (JSON.parse(body) as Record<string, unknown>) : {},
  };
}

describe('HTTP servers against slow and oversized clients', () => {
  const ns = randomNamespace('hsl');
  let api: AppProcess;
  let saga: AppProcess;

  beforeAll(async () => {
    // COMMAND_TIMEOUT_MS above the request timeout: the request timeout bounds receiving, not answering.
    api = await startApp('command-api', { ES_NAMESPACE: ns, COMMAND_TIMEOUT_MS: '3000', ...LIMITS });
    saga = await startApp('fulfillment-saga', { ES_NAMESPACE: ns, ...LIMITS });
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), saga?.stop()]);
  });

  it('closes 50 slow-loris bodies within the request timeout, answering 408 problem+json', async () => {
    const head = 'POST /products HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"sku":"';
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => slowClient(api.port, head, 'a', 200)));

    expect(outcomes.filter((o) => !o.closedByServer)).toHaveLength(0);
    expect(Math.max(...outcomes.map((o) => o.closedAfterMs))).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    const answered = outcomes.map((o) => statusAndBody(o.response));
    expect(answered.every((a) => a.status === 408 && a.contentType?.startsWith('application/problem+json'))).toBe(true);
    expect(answered[0].body).toEqual(expect.objectContaining({ status: 408, title: 'Request Timeout' }));
  });

  it('closes 50 slow-loris heads within the headers timeout, on a health-only server too', async () => {
    const head = 'GET /health HTTP/1.1\r\nHost: t\r\n';
    const outcomes = await Promise.all([
      ...Array.from({ length: 25 }, () => slowClient(api.port, head, 'X-Drip: 1\r\n', 200)),
      ...Array.from({ length: 25 }, () => slowClient(saga.port, head, 'X-Drip: 1\r\n', 200)),
    ]);

    expect(outcomes.filter((o) => !o.closedByServer)).toHaveLength(0);
    expect(Math.max(...outcomes.map((o) => o.closedAfterMs))).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const outcome = await slowClient(api.port, 'GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n', '', 60_000);
    expect(outcome.closedByServer).toBe(true);
    expect(outcome.closedAfterMs).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + SLACK_MS);
    expect(statusAndBody(outcome.response).status).toBe(200);
  });

  it('still answers a request whose answer takes longer than the request timeout', async () => {
    const started = Date.now();
    const res = await fetch(`${api.url}/products/SKU-1/stock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 1 }),
    });
    // No command processor runs: the reply timeout (3 s) answers, after the 2 s request timeout.
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS);
  });

  it.each([
    ['a URL of 10,000 characters', 414, `/products?q=${'a'.repeat(10_000)}`, {}],
    ['a URL of 20,000 characters (beyond the 16 KiB head)', 414, `/products/${'a'.repeat(20_000)}`, {}],
    ['a header of 20,000 characters', 431, '/health', { 'x-big': 'b'.repeat(20_000) }],
  ])('answers %s with %d problem+json', async (_what, status, path, headers) => {
    const res = await fetch(`${api.url}${path}`, { headers });
    expect({ status: res.status, contentType: res.headers.get('content-type') }).toEqual({
      status,
      contentType: expect.stringMatching(/^application\/problem\+json/),
    });
    expect(await res.json()).toEqual(expect.objectContaining({ status, title: expect.any(String), detail: expect.any(String) }));
  });

  it('answers a health-only server`s oversized head with 431 problem+json too', async () => {
    const res = await fetch(`${saga.url}/health`, { headers: { 'x-big': 'b'.repeat(20_000) } });
    expect([res.status, res.headers.get('content-type')]).toEqual([431, expect.stringMatching(/^application\/problem\+json/)]);
  });

  it.each([
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n'],
    ['a NUL in a header value', 'GET /health HTTP/1.1\r\nHost: t\r\nX-Bad: a\u0000b\r\n\r\n'],
  ])('answers %s with 400 problem+json', async (_what, bytes) => {
    const answer = statusAndBody(await raw(api.port, bytes));
    expect([answer.status, answer.contentType]).toEqual([400, expect.stringMatching(/^application\/problem\+json/)]);
    expect(answer.body).toEqual(expect.objectContaining({ status: 400, title: 'Bad Request' }));
  });
});
