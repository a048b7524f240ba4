import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AppProcess, randomNamespace, startApp } from '@es/testing';

const APPS = ['command-api', 'command-processor', 'query-api', 'orders-projector', 'inventory-projector', 'fulfillment-saga', 'event-index-projector'];

describe('every deployable', () => {
  const ns = randomNamespace();
  const running: AppProcess[] = [];

  afterAll(async () => {
    await Promise.all(running.map((app) => app.stop()));
  });

  it('boots against the real broker and database and reports itself healthy and measurable', async () => {
    // Sequential: six Nest apps booting at once on two cores only measures the scheduler.
    for (const app of APPS) running.push(await startApp(app, { ES_NAMESPACE: ns }));
    for (const app of running) {
      const health = await fetch(`${app.url}/health`);
      const body = (await health.json()) as { checks: Record<string, { ok: boolean }> };
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect({ app: app.app, status: health.status, kafka: body.checks.kafka?.ok }).toEqual({ app: app.app, status: 200, kafka: true });
      expect(metrics).toContain('process_cpu_seconds_total');
      expect(metrics).not.toContain('es_process_');
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    const codes = await Promise.all(running.splice(0).map((app) => app.stop()));
    expect(codes).toEqual(APPS.map(() => 0));
  });

  it('refuses to boot on a bad environment and names the variable', () => {
    const result = spawnSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'apps', 'command-api', 'main.js')], {
      env: { ...process.env, ES_NAMESPACE: 'Bad-Namespace!', COMMAND_API_PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ES_NAMESPACE');
    expect(result.stderr).toContain('COMMAND_API_PORT');
  });
});
