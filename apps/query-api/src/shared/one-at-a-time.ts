import { UnavailableError } from '@es/common';

/**
 * Runs expensive queries one at a time, in arrival order; a request for work that is already queued
 * or running under the same key shares its result instead of adding another query. Past
 * `maxQueued` distinct keys a request is refused with 503 + Retry-After.
 *
 * Why: a query such as `/rates?minutes=60` aggregates every event of the last hour — seconds of
 * PostgreSQL CPU at a thousand events a second — and any client may send it, with any parameters
 * (defeating a cache of identical requests). Unbounded, a few clients in a loop kept the database's
 * cores busy, and the projectors, which share the database, fell behind. Queued one at a time, such
 * a query costs at most one PostgreSQL backend per query API instance.
 */
export class OneAtATime<T> {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly queued = new Map<string, Promise<T>>();

  constructor(
    private readonly what: string,
    private readonly maxQueued: number,
  ) {}

  run(key: string, work: () => Promise<T>): Promise<T> {
    const same = this.queued.get(key);
    if (same) return same;
    if (this.queued.size >= this.maxQueued) {
      return Promise.reject(new UnavailableError(`${this.queued.size} ${this.what} queries are queued; retry in a moment`, 1));
    }
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    this.queued.set(key, result);
    const forget = () => {
      if (this.queued.get(key) === result) this.queued.delete(key);
    };
    result.then(forget, forget);
    return result;
  }
}
