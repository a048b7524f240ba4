// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RestartPolicy } = require('./restart-policy');

describe('RestartPolicy', () => {
  it('backs off exponentially up to the cap', () => {
    const policy = new RestartPolicy({ maxCrashes: 10, windowMs: 60000, initialDelayMs: 1000, maxDelayMs: 5000 });
    const delays = [0, 1, 2, 3, 4].map((i) => policy.crashed(1000 + i).delayMs);
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('gives up after more than maxCrashes crashes within the window', () => {
    const policy = new RestartPolicy({ maxCrashes: 3, windowMs: 10000 });
    expect([0, 1, 2].map((i) => policy.crashed(i * 1000).giveUp)).toEqual([false, false, false]);
    expect(policy.crashed(3000)).toMatchObject({ giveUp: true, count: 4 });
  });

  it('forgets crashes older than the window', () => {
    const policy = new RestartPolicy({ maxCrashes: 2, windowMs: 10000, initialDelayMs: 1000 });
    policy.crashed(0);
    policy.crashed(1000);
    expect(policy.crashed(20000)).toEqual({ giveUp: false, count: 1, delayMs: 1000 });
  });
});
