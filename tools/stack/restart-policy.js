// @ts-check
'use strict';
/**
 * When a supervised process (an app, the broker, the database) dies, `npm start` restarts it after
 * a growing delay, so a process that dies at once does not spin the CPU, and gives up when it keeps
 * dying: more than `maxCrashes` crashes within `windowMs` means something a restart cannot fix
 * (a bad deployment, a full disk), and a stack that silently limps along would hide it.
 */
class RestartPolicy {
  /** @param {{ maxCrashes?: number, windowMs?: number, initialDelayMs?: number, maxDelayMs?: number }} [o] */
  constructor({ maxCrashes = 5, windowMs = 60000, initialDelayMs = 1000, maxDelayMs = 30000 } = {}) {
    this.maxCrashes = maxCrashes;
    this.windowMs = windowMs;
    this.initialDelayMs = initialDelayMs;
    this.maxDelayMs = maxDelayMs;
    /** @type {number[]} */
    this.crashes = [];
  }

  /** Records a crash at `now`; returns whether to give up, else how long to wait before restarting. */
  crashed(now = Date.now()) {
    this.crashes = this.crashes.filter((at) => now - at < this.windowMs);
    this.crashes.push(now);
    const count = this.crashes.length;
    if (count > this.maxCrashes) return { giveUp: true, count, delayMs: 0 };
    return { giveUp: false, count, delayMs: Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** (count - 1)) };
  }
}

module.exports = { RestartPolicy };
