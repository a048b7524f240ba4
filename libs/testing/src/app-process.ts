import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { APP_PORTS } from '@es/common';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '..', '..', '..');

export interface AppProcess {
  readonly app: string;
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for a clean exit. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL: the crash the design must survive. */
  kill(): Promise<void>;
  exited(): Promise<number | null>;
}

/**
 * Starts a built app (dist/apps/<app>/main.js, as deployed) as a real process in the given
 * namespace and waits until GET /health answers 200.
 */
export async function startApp(
  app: string,
  env: Record<string, string | undefined>,
  {
    waitHealthy = true,
    timeoutMs = 60000,
    port: fixedPort,
  }: {
    waitHealthy?: boolean;
    timeoutMs?: number;
    /** The port to listen on (a restarted app keeps its address); a free one when absent. */
    port?: number;
  } = {},
): Promise<AppProcess> {
  const entry = join(ROOT, 'dist', 'apps', app, 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build the apps first (npx nx run-many -t build)`);
  const port = fixedPort ?? (await freePort());
  const portVariable = APP_PORTS[app]?.variable ?? 'PORT';
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...env, [portVariable]: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 20_000_000) output = output.slice(-10_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const handle: AppProcess = {
    app,
    url,
    port,
    child,
    output: () => output,
    exited: () => exit,
    async stop(stopTimeoutMs = 15000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
  if (waitHealthy) {
    let exitedEarly = false;
    void exit.then(() => (exitedEarly = true));
    // What /health said last: an app that never became healthy is explained by it (a check that
    // failed, or no listener at all), even when it logged nothing at LOG_LEVEL=warn.
    let lastHealth = 'never asked';
    await waitFor(
      async () => {
        if (exitedEarly) throw new Error(`${app} exited during start:\n${output.slice(-4000)}`);
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) }).catch((error: Error) => {
          lastHealth = `no answer: ${error.cause instanceof Error ? error.cause.message : error.message}`;
          return undefined;
        });
        if (res) lastHealth = `${res.status} ${(await res.text().catch(() => '')).slice(0, 1500)}`;
        return res?.status === 200;
      },
      { timeoutMs, intervalMs: 200, what: `${app} to become healthy` },
    ).catch(async (error) => {
      await handle.kill();
      throw new Error(`${(error as Error).message}\n--- ${app}'s last /health: ${lastHealth}\n--- ${app} output ---\n${output.slice(-4000)}`);
    });
  }
  return handle;
}
