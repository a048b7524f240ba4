import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { dirname, join } from 'node:path';
import { freePort, processAlive, randomNamespace, waitFor } from '@es/testing';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { throwawayDir } = require('../../tools/postgres/launcher');

const ROOT = join(__dirname, '..', '..');
const APP_PORT_VARIABLES = [
  'COMMAND_API_PORT',
  'QUERY_API_PORT',
  'COMMAND_PROCESSOR_PORT',
  'ORDERS_PROJECTOR_PORT',
  'INVENTORY_PROJECTOR_PORT',
  'FULFILLMENT_SAGA_PORT',
  'EVENT_INDEX_PROJECTOR_PORT',
];

interface Stack {
  readonly child: ChildProcess;
  readonly env: Record<string, string>;
  output(): string;
  exited: Promise<number | null>;
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
}

/**
 * `npm start` as a user runs it (node tools/stack/start.js), but on its own free ports (seven apps,
 * broker, database) and a throwaway data dir, so it never meets another run or a user's stack. The
 * global setup's KAFKA_BROKERS / DATABASE_URL are removed: the supervisor starts its own.
 */
async function stackEnv(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const ports = new Set<number>();
  while (ports.size < 2 + APP_PORT_VARIABLES.length) ports.add(await freePort());
  const [kafka, postgres, ...apps] = [...ports];
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  delete env.KAFKA_BROKERS;
  delete env.DATABASE_URL;
  delete env.ADMIN_TOKEN;
  Object.assign(env, {
    STACK_DATA_DIR: join(throwawayDir('es-stack-'), 'data'),
    STACK_KAFKA_PORT: String(kafka),
    STACK_POSTGRES_PORT: String(postgres),
    STACK_SKIP_BUILD: '1',
    ES_NAMESPACE: randomNamespace('stack'),
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  });
  APP_PORT_VARIABLES.forEach((variable, i) => (env[variable] = String(apps[i])));
  return { ...env, ...overrides };
}

function startStack(env: Record<string, string>): Stack {
  const child = spawn(process.execPath, [join(ROOT, 'tools', 'stack', 'start.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 1_000_000) output = output.slice(-500_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    env,
    output: () => output,
    exited,
    waitForOutput: (pattern, timeoutMs) =>
      waitFor(() => output.match(pattern) ?? undefined, { timeoutMs, intervalMs: 200, what: `${pattern} in the stack output` }).catch((error) => {
        throw new Error(`${(error as Error).message}\n--- stack output ---\n${output.slice(-6000)}`);
      }),
  };
}

const stackLines = (output: string) => output.split('\n').filter((line) => line.startsWith('[stack]'));
const status = (url: string, init?: RequestInit, timeoutMs = 5000) =>
  fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }).then(
    (r) => r.status,
    () => 0,
  );

describe('npm start (tools/stack/start.js)', () => {
  const stacks: Stack[] = [];
  afterAll(async () => {
    for (const stack of stacks) {
      if (stack.child.exitCode === null && stack.child.signalCode === null) {
        stack.child.kill('SIGTERM');
        await Promise.race([stack.exited, new Promise((r) => setTimeout(r, 60000))]);
      }
      rmSync(dirname(stack.env.STACK_DATA_DIR), { recursive: true, force: true });
    }
  });

  it('fails a start with a bad variable within seconds, non-zero, in one line naming it', async () => {
    const stack = startStack(await stackEnv({ ES_NAMESPACE: 'Bad-Namespace!' }));
    stacks.push(stack);
    const started = Date.now();
    expect(await stack.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(15000);
    const lines = stackLines(stack.output());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[stack\] failed: .*ES_NAMESPACE="Bad-Namespace!" is invalid/);
  });

  it('names the variable of a taken port before starting anything', async () => {
    const env = await stackEnv();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(env.COMMAND_API_PORT), '127.0.0.1', resolve));
    try {
      const stack = startStack(env);
      stacks.push(stack);
      const started = Date.now();
      expect(await stack.exited).toBe(1);
      expect(Date.now() - started).toBeLessThan(15000);
      expect(stackLines(stack.output())).toEqual([expect.stringContaining(`COMMAND_API_PORT=${env.COMMAND_API_PORT} is taken by another process`)]);
    } finally {
      blocker.close();
    }
  });

  it('restarts a SIGKILLed app, broker and database while the others keep serving, and stops everything on SIGTERM', async () => {
    const stack = startStack(await stackEnv());
    stacks.push(stack);
    await stack.waitForOutput(/\[stack\] ready:/, 180000);
    const commandApi = `http://127.0.0.1:${stack.env.COMMAND_API_PORT}`;
    const queryApi = `http://127.0.0.1:${stack.env.QUERY_API_PORT}`;
    const state = () =>
      JSON.parse(readFileSync(join(stack.env.STACK_DATA_DIR, 'stack.json'), 'utf8')) as { processes: Record<string, { pid: number; port: number }> };
    expect(stack.output()).toContain(`command API  http://127.0.0.1:${stack.env.COMMAND_API_PORT}`);
    expect(stack.output()).toContain(`orders-projector ${stack.env.ORDERS_PROJECTOR_PORT}`);

    // An app: restarted with back-off, the others keep answering meanwhile.
    const projector = state().processes['orders-projector'];
    process.kill(projector.pid, 'SIGKILL');
    for (let i = 0; i < 5; i++) {
      expect(await status(`${commandApi}/health`)).toBe(200);
      expect(await status(`${queryApi}/orders?customerId=c-1`)).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
    }
    const [, newPid] = await stack.waitForOutput(/orders-projector healthy again \(pid (\d+)\)/, 90000);
    expect(Number(newPid)).not.toBe(projector.pid);
    expect(await status(`http://127.0.0.1:${stack.env.ORDERS_PROJECTOR_PORT}/health`)).toBe(200);

    // The broker: restarted on its data; reads keep being served from PostgreSQL while it is down.
    const kafka = state().processes.Kafka;
    process.kill(kafka.pid, 'SIGKILL');
    await stack.waitForOutput(/Kafka exited \(SIGKILL\); restarting it/, 30000);
    expect(await status(`${queryApi}/orders?customerId=c-1`)).toBe(200);
    await stack.waitForOutput(/Kafka ready again on 127\.0\.0\.1:\d+ \(pid (\d+)\)/, 120000);
    let attempt = 0;
    await waitFor(
      async () => {
        // A fresh SKU per attempt: an attempt that timed out may still have been applied.
        const body = JSON.stringify({ sku: `SKU-${Date.now()}-${attempt++}`, name: 'after the broker restart' });
        const code = await status(`${commandApi}/products`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }, 15000);
        return code >= 200 && code < 300;
      },
      { timeoutMs: 90000, intervalMs: 1000, what: 'a command accepted after the broker restart' },
    ).catch((error) => {
      throw new Error(`${(error as Error).message}\n--- stack output ---\n${stack.output().slice(-6000)}`);
    });

    // The database: restarted on its data; the query API answers again once it is back.
    const postgres = state().processes.PostgreSQL;
    process.kill(postgres.pid, 'SIGKILL');
    await stack.waitForOutput(/PostgreSQL ready again on 127\.0\.0\.1:\d+ \(pid \d+\)/, 60000);
    await waitFor(async () => (await status(`${queryApi}/orders?customerId=c-1`)) === 200, {
      timeoutMs: 30000,
      what: 'the query API to answer after the database restart',
    });
    expect(stack.child.exitCode).toBeNull();

    // SIGTERM (what `npm stop` sends): every process stops, exit 0.
    const pids = Object.values(state().processes).map((p) => p.pid);
    stack.child.kill('SIGTERM');
    expect(await stack.exited).toBe(0);
    await waitFor(() => pids.every((pid) => !processAlive(pid)), { timeoutMs: 10000, what: 'every supervised process to be gone' });
  }, 420000);
});
