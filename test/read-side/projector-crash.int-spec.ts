import { AppProcess, randomNamespace, startApp, waitFor } from '@es/testing';
import { EventLogBuilder } from './support/event-log.builder';
import { orderWorkload } from './support/order-workload';
import { expectedOrders, ReadSideFixture } from './support/read-side.fixture';

/**
 * Issue 4: the checkpoint and the rows commit in one transaction, so a projector killed at any
 * point — or a partition moved between instances — never applies a record twice or loses one.
 */
describe('orders projector under crashes and rebalances', () => {
  const fx = new ReadSideFixture(randomNamespace());
  const log = new EventLogBuilder();
  const running: AppProcess[] = [];

  beforeAll(() => fx.setUp());
  afterAll(async () => {
    await Promise.all(running.map((a) => a.kill()));
    await fx.tearDown();
  });

  const appliedCount = async () => {
    const { rows } = await fx.pool
      .query(`SELECT coalesce(sum("offset" + 1), 0)::int AS n FROM "${fx.ns}_meta".projection_checkpoints WHERE projection = 'orders'`)
      .catch(() => ({ rows: [{ n: 0 }] }));
    return rows[0].n as number;
  };

  it('equals a fold of all events after being SIGKILLed mid-stream and restarted', async () => {
    const projector = await startApp('orders-projector', fx.env);
    running.push(projector);
    // Events keep arriving in small transactions while the projector works; it dies in the middle.
    const first = orderWorkload(log, 3000);
    const half = Math.floor(first.length / 2);
    await fx.appender.append(first.slice(0, half), { chunk: 50 });
    await waitFor(async () => (await appliedCount()) > 0, { timeoutMs: 30000, intervalMs: 20, what: 'the projector to be mid-stream' });
    const appending = fx.appender.append(first.slice(half), { chunk: 50 });
    await new Promise((r) => setTimeout(r, 200));
    await projector.kill();
    await appending;
    const atKill = await appliedCount();

    const second = orderWorkload(log, 500);
    await fx.appender.append(second);
    running.push(await startApp('orders-projector', fx.env));
    const expected = expectedOrders([...first, ...second]);
    await waitFor(async () => Object.keys(await fx.orders(1)).length === Object.keys(expected).length && (await fx.orders(1)), {
      timeoutMs: 60000,
      what: 'all orders to be projected',
    });
    await waitFor(async () => JSON.stringify(await fx.orders(1)) === JSON.stringify(expected), { timeoutMs: 20000, what: 'the read model to settle' }).catch(
      () => undefined,
    );
    expect(atKill).toBeLessThan(first.length); // it really died with work left
    expect(await fx.orders(1)).toEqual(expected);
  });

  it('stays exact when two instances share the partitions and one of them is killed', async () => {
    running.push(await startApp('orders-projector', fx.env));
    const before = await fx.orders(1);
    const more = orderWorkload(log, 1500);
    const appending = fx.appender.append(more, { chunk: 100 });
    // Both instances own partitions before one of them dies.
    await waitFor(
      async () => {
        const [group] = (await fx.admin.describeGroups([`${fx.ns}.projector.orders.v1`])).groups;
        return group.state === 'Stable' && group.members.length === 2;
      },
      { timeoutMs: 30000, what: 'the two instances to share the partitions' },
    );
    await running[running.length - 2].kill(); // the older instance: its partitions move to the newer one
    await appending;
    const expected = { ...before, ...expectedOrders(more) };
    await waitFor(async () => Object.keys(await fx.orders(1)).length === Object.keys(expected).length, {
      timeoutMs: 60000,
      what: 'all orders to be projected',
    });
    await waitFor(async () => JSON.stringify(await fx.orders(1)) === JSON.stringify(expected), { timeoutMs: 20000, what: 'the read model to settle' }).catch(
      () => undefined,
    );
    expect(await fx.orders(1)).toEqual(expected);
  });
});
