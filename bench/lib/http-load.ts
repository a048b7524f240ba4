import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const payload = Buffer.from(JSON.stringify(body));
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        method: 'POST',
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        headers: { 'content-type': 'application/json', 'content-length': payload.length, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, method: 'GET', hostname: target.hostname, port: target.port, path: target.pathname + target.search, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
}

/** Open loop: requests start on schedule whatever the responses do (no coordinated omission). */
export async function fixedRate(ratePerSecond: number, seconds: number, request: (i: number) => Promise<boolean>): Promise<LoadResult> {
  const total = Math.round(ratePerSecond * seconds);
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      request(i).then(
        (success) => {
          latencies.push(performance.now() - due);
          success ? (ok += 1) : (failed += 1);
        },
        () => void (failed += 1),
      ),
    );
  }
  await Promise.all(inflight);
  return { sent: total, ok, failed, seconds: (performance.now() - start) / 1000, latenciesMs: latencies };
}

/** Closed loop: `concurrency` clients, each sends its next request when the previous answered. */
export async function saturate(concurrency: number, seconds: number, request: (i: number) => Promise<boolean>): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let next = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const i = next++;
        const t0 = performance.now();
        try {
          (await request(i)) ? (ok += 1) : (failed += 1);
        } catch {
          failed += 1;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { sent: next, ok, failed, seconds: (performance.now() - start) / 1000, latenciesMs: latencies };
}
