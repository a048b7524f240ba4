import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { APP_PORTS } from '@es/common';
import { freePort } from '@es/testing';

export interface BuiltApp {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts dist/apps/<app>/main.js of the checkout at `root` (this one, or a baseline build for an
 * A/B comparison on the same broker and database) and waits for /health.
 */
export async function startBuiltApp(root: string, app: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<BuiltApp> {
  const entry = join(root, 'dist', 'apps', app, 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build that checkout first`);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, entry], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...env, [APP_PORTS[app]?.variable ?? 'PORT']: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (c: Buffer) => void (errors = (errors + c.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${app} exited during start: ${errors}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${app} not healthy after 90 s: ${errors}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(timer);
    },
  };
}
