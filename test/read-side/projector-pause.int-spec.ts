import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { AppProcess, processAlive, randomNamespace, startApp, waitFor } from '@es/testing';
import { EventLogBuilder } from './support/event-log.builder';
import { orderWorkload } from './support/order-workload';
import { expectedOrders, ReadSideFixture } from './support/read-side.fixture';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The local TCP ports of a process's sockets (/proc: its fds' socket inodes, looked up in the TCP tables). */
function localPortsOf(pid: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && inodes.has(cols[9])) ports.add(parseInt(cols[1].split(':')[1], 16));
    }
  }
  return ports;
}

/**
 * Two instances of a projector share the partitions (docs/operations.md: "run 2+ instances"). One
 * of them is paused (a long GC or VM pause, SIGSTOP here) in the middle of a batch's transaction,
 * holding row locks on its rows and checkpoint. Kafka moves its partitions to the other instance
 * after the session timeout, but the other one's transaction needs the same rows: without a bound
 * on an idle transaction it waited for the paused one to come back, however long that took. The
 * database ends the paused session's transaction (DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS) and the
 * survivor carries on; resumed, the paused instance finds its session gone and rejoins; the read
 * model is still exactly the fold of the events.
 */
describe('a projector instance paused inside its transaction', () => {
  const fx = new ReadSideFixture(randomNamespace('ppause'));
  const log = new EventLogBuilder();
  const running: AppProcess[] = [];
  const env = () => ({ ...fx.env, DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '5000' });

  beforeAll(() => fx.setUp());
  afterAll(async () => {
    for (const app of running) if (processAlive(app.child.pid!)) process.kill(app.child.pid!, 'SIGCONT');
    await Promise.all(running.map((a) => a.kill()));
    await fx.tearDown();
  });

  const checkpoints = async () => {
    const { rows } = await fx.pool.query(`SELECT partition, "offset" FROM "${fx.ns}_meta".projection_checkpoints WHERE projection = 'orders' AND version = 1`);
    return new Map(rows.map((r) => [Number(r.partition), Number(r.offset)]));
  };

  /** The backend of `pid`'s connections that is inside a transaction that has written (holds a transaction id). */
  const openWritingTransaction = async (pid: number): Promise<{ backend: number; idleSeconds: number } | undefined> => {
    const ports = localPortsOf(pid);
    const { rows } = await fx.pool.query(
      `SELECT a.pid, a.client_port, extract(epoch FROM now() - a.state_change) AS idle
         FROM pg_stat_activity a
        WHERE a.datname = current_database() AND a.state = 'idle in transaction'
          AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'transactionid')`,
    );
    const row = rows.find((r) => ports.has(Number(r.client_port)));
    return row && { backend: Number(row.pid), idleSeconds: Number(row.idle) };
  };

  it('lets the other instance take its partitions over while it is still paused, and stays exact', async () => {
    const first = await startApp('orders-projector', env());
    running.push(first);
    const warmUp = orderWorkload(log, 300);
    await fx.appender.append(warmUp, { chunk: 50 });
    running.push(await startApp('orders-projector', env()));
    await waitFor(
      async () => {
        const [group] = (await fx.admin.describeGroups([`${fx.ns}.projector.orders.v1`])).groups;
        return group.state === 'Stable' && group.members.length === 2;
      },
      { timeoutMs: 30000, what: 'the two instances to share the partitions' },
    );

    // Events keep arriving; the first instance is paused at a moment it holds a transaction open.
    const stream = orderWorkload(log, 1500);
    let appended: { partition: number; offset: string }[] = [];
    let appending = true;
    const appendAll = fx.appender.append(stream, { chunk: 20 }).then((positions) => {
      appended = positions;
      appending = false;
    });
    const pid = first.child.pid!;
    let held: { backend: number; idleSeconds: number } | undefined;
    for (let attempt = 0; attempt < 400 && !held && appending; attempt++) {
      process.kill(pid, 'SIGSTOP');
      await sleep(20);
      held = await openWritingTransaction(pid);
      if (!held) {
        process.kill(pid, 'SIGCONT');
        await sleep(5 + Math.floor(Math.random() * 30));
      }
    }
    expect(held).toBeDefined();
    const pausedAt = Date.now();
    await appendAll;
    process.stdout.write(`[projector-pause] the appends ended ${((Date.now() - pausedAt) / 1000).toFixed(1)} s into the pause\n`);

    // Every partition's checkpoint reaches the end of what was appended while the instance is still paused.
    const ends = new Map<number, number>();
    for (const p of appended) ends.set(p.partition, Math.max(ends.get(p.partition) ?? -1, Number(p.offset)));
    const pauseMs = 40000;
    await waitFor(
      async () => {
        const now = await checkpoints();
        return [...ends].every(([partition, end]) => (now.get(partition) ?? -1) >= end);
      },
      { timeoutMs: pauseMs - (Date.now() - pausedAt), intervalMs: 200, what: 'the other instance to project every partition while the first is paused' },
    );
    const caughtUpSeconds = (Date.now() - pausedAt) / 1000;
    process.stdout.write(
      `[projector-pause] paused inside a transaction (backend ${held!.backend}); every partition caught up ${caughtUpSeconds.toFixed(1)} s later\n`,
    );
    expect(processAlive(pid)).toBe(true);

    // Resumed: it rejoins healthy, and the read model is exactly the fold.
    process.kill(pid, 'SIGCONT');
    const expected = expectedOrders([...warmUp, ...stream]);
    await waitFor(async () => JSON.stringify(await fx.orders(1)) === JSON.stringify(expected), { timeoutMs: 30000, what: 'the read model to settle' }).catch(
      () => undefined,
    );
    expect(await fx.orders(1)).toEqual(expected);
    let health = '';
    await waitFor(
      async () => {
        const res = await fetch(`${first.url}/health`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
        health = `${res?.status} ${await res?.text().catch(() => '')}`;
        return res?.status === 200;
      },
      { timeoutMs: 30000, what: 'the resumed instance to be healthy' },
    ).catch((error) => {
      throw new Error(`${(error as Error).message}; its /health: ${health}\n${first.output().slice(-3000)}`);
    });
  }, 180000);
});
