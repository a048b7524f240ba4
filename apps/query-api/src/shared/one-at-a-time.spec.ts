import { UnavailableError } from '@es/common';
import { OneAtATime } from './one-at-a-time';

/** A query that finishes when the test says so. */
function gate<T>(value: T) {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  let started = false;
  return {
    work: async () => {
      started = true;
      await opened;
      return value;
    },
    open,
    started: () => started,
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('expensive queries one at a time', () => {
  it('given a query running, when another key arrives, then it starts only after the first settled, failed or not', async () => {
    const queue = new OneAtATime<string>('rates', 4);
    const first = gate('a');
    const second = gate('b');
    const a = queue.run('a', async () => {
      await first.work();
      throw new Error('database gone');
    });
    const b = queue.run('b', second.work);
    await tick();
    expect([first.started(), second.started()]).toEqual([true, false]);
    first.open();
    await expect(a).rejects.toThrow('database gone');
    await tick();
    expect(second.started()).toBe(true);
    second.open();
    expect(await b).toBe('b');
  });

  it('given a key queued or running, when it is asked again, then both get the one result of one query', async () => {
    const queue = new OneAtATime<string>('rates', 4);
    const only = gate('x');
    let calls = 0;
    const work = () => {
      calls++;
      return only.work();
    };
    const one = queue.run('k', work);
    const two = queue.run('k', work);
    only.open();
    expect(await Promise.all([one, two])).toEqual(['x', 'x']);
    expect(calls).toBe(1);
    // Settled: the next request queries again.
    await queue.run('k', async () => (calls++, 'y'));
    expect(calls).toBe(2);
  });

  it('given as many keys queued as allowed, when one more arrives, then it is refused with 503 and the queue goes on', async () => {
    const queue = new OneAtATime<string>('rates', 2);
    const first = gate('a');
    const a = queue.run('a', first.work);
    const b = queue.run('b', async () => 'b');
    const refused = queue.run('c', async () => 'c');
    await expect(refused).rejects.toBeInstanceOf(UnavailableError);
    await expect(refused).rejects.toThrow('2 rates queries are queued; retry in a moment');
    first.open();
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    expect(await queue.run('c', async () => 'c')).toBe('c');
  });
});
