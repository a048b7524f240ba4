import type { Admin } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { EventTopicOffsets } from './event-topic-offsets.service';

/** A broker whose end offset grows by one per ListOffsets round trip, answered when released. */
function fakeAdmin() {
  let end = 0;
  const pending: (() => void)[] = [];
  const admin = {
    calls: 0,
    fetchTopicOffsets: async () => {
      admin.calls += 1;
      end += 1;
      const answer = [
        { partition: 1, high: String(end) },
        { partition: 0, high: String(end) },
      ];
      await new Promise<void>((resolve) => pending.push(resolve));
      return answer;
    },
    release: () => pending.splice(0).forEach((resolve) => resolve()),
  };
  return admin;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('EventTopicOffsets', () => {
  it('shares one round trip between concurrent readers and returns partitions in order', async () => {
    const admin = fakeAdmin();
    const offsets = new EventTopicOffsets(admin as unknown as Admin);
    const reads = Promise.all([offsets.cached('t'), offsets.cached('t'), offsets.cached('t')]);
    admin.release();
    const [first, ...rest] = await reads;
    expect(first).toEqual([
      { partition: 0, end: 1 },
      { partition: 1, end: 1 },
    ]);
    expect(rest).toEqual([first, first]);
    expect(admin.calls).toBe(1);
  });

  it('answers a fresh read with a round trip started after it, shared by everyone who arrived meanwhile', async () => {
    const admin = fakeAdmin();
    const offsets = new EventTopicOffsets(admin as unknown as Admin);
    const old = offsets.cached('t'); // in flight, started before the requests below
    const since = performance.now();
    const fresh = Promise.all([offsets.fresh('t', since), offsets.fresh('t', since), offsets.fresh('t', since)]);
    admin.release();
    await old;
    await tick();
    admin.release();
    const answers = await fresh;
    expect(answers.map((a) => a?.[0].end)).toEqual([2, 2, 2]);
    expect(admin.calls).toBe(2);
  });

  it('reports undefined, not an empty topic, when the broker cannot be asked', async () => {
    const offsets = new EventTopicOffsets({ fetchTopicOffsets: () => Promise.reject(new Error('down')) } as unknown as Admin);
    await expect(offsets.cached('t')).resolves.toBeUndefined();
  });

  it('answers undefined after 2 s when the broker does not answer, and does not ask it again while it hangs', async () => {
    jest.useFakeTimers({ doNotFake: ['performance', 'setImmediate'] });
    try {
      const admin = fakeAdmin();
      const offsets = new EventTopicOffsets(admin as unknown as Admin);
      const first = offsets.cached('t');
      jest.advanceTimersByTime(2000);
      await expect(first).resolves.toBeUndefined();
      // Later readers, cached or fresh, learn "unknown" from the hung round trip without a new one.
      await expect(offsets.cached('t')).resolves.toBeUndefined();
      await expect(offsets.fresh('t', performance.now())).resolves.toBeUndefined();
      expect(admin.calls).toBe(1);
      // Once the broker answers, the next read asks again.
      admin.release();
      await tick();
      const next = offsets.fresh('t', performance.now());
      await tick();
      admin.release();
      await expect(next).resolves.toEqual([
        { partition: 0, end: 2 },
        { partition: 1, end: 2 },
      ]);
      expect(admin.calls).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
