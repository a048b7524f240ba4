import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { TimeoutError } from '@es/common';
import { BOUNDED_CONTEXTS, NotFoundError, type DomainEvent } from '@es/domain';
import { upcasters } from '@es/event-store';
import { EVENT_INDEX_CONTEXTS, EventIndexQueryRepository, eventIndexProjectionName, type IndexedEventRow, type RateBucket } from '@es/read-models';
import { ActiveVersionsService } from '../shared/active-versions.service';
import { OneAtATime } from '../shared/one-at-a-time';
import { READ_POOL } from '../shared/read-database';

export type IndexedContext = (typeof EVENT_INDEX_CONTEXTS)[number];

/** What the API answers for one event: the envelope, its upcast payload and where it sits in Kafka. */
export type EventView = IndexedEventRow;

export interface StateView {
  context: string;
  aggregateType: string;
  aggregateId: string;
  version: number;
  /** occurredAt of the last event folded in. */
  occurredAt: string;
  state: unknown;
}

export interface CommandView {
  commandId: string;
  context: string;
  aggregateType: string;
  aggregateId: string;
  causationId: string | null;
  outcome: 'ACCEPTED';
  fromVersion: number;
  toVersion: number;
  eventTypes: string[];
}

/** A fold of an aggregate's history reads this many events per query. */
const FOLD_PAGE = 1000;
/** Bounds a correlation's trace: a request and everything it caused is a few dozen events. */
const MAX_TRACE_EVENTS = 5000;
const MAX_CAUSATION_ROUNDS = 20;

/**
 * Reads of the event index for /streams and /correlations: which schema serves each context (via
 * the registry, like every read model), upcasting on read and folding with the domain's own
 * `evolve` (libs/domain, the code that decides commands).
 */
@Injectable()
export class EventIndexReader {
  private readonly repository: EventIndexQueryRepository;
  private readonly ratesQueue = new OneAtATime<RateBucket[]>('rates', 8);

  constructor(
    @Inject(READ_POOL) pool: Pool,
    private readonly versions: ActiveVersionsService,
  ) {
    this.repository = new EventIndexQueryRepository(pool);
  }

  static isContext(context: string): context is IndexedContext {
    return (EVENT_INDEX_CONTEXTS as readonly string[]).includes(context);
  }

  async history(context: IndexedContext, aggregateId: string, fromVersion: number, limit: number): Promise<{ items: EventView[]; next?: number }> {
    const page = await this.read(context, (schema) => this.repository.history(schema, aggregateId, { fromVersion, limit }), { items: [], more: false });
    if (page.items.length === 0 && (fromVersion === 1 || (await this.latestVersion(context, aggregateId)) === 0)) {
      throw new NotFoundError(`no events of ${context} aggregate ${aggregateId}`);
    }
    const items = page.items.map(upcast);
    return { items, next: page.more ? items[items.length - 1].version + 1 : undefined };
  }

  /**
   * The aggregate's state after `version` (or after its last event at or before `at`; default: its
   * latest), folded FOLD_PAGE versions at a time: the memory of a fold is one page, and other
   * requests get the pool and the event loop between pages. `gone` is asked before each page: a
   * fold nobody waits for any more stops (a client can ask for the state of a million-event
   * aggregate and hang up, many times over).
   */
  async stateAt(context: IndexedContext, aggregateId: string, bound: { version?: number; at?: string }, gone: () => boolean = () => false): Promise<StateView> {
    const latest = await this.latestVersion(context, aggregateId);
    if (latest === 0) throw new NotFoundError(`no events of ${context} aggregate ${aggregateId}`);
    if (bound.version !== undefined && bound.version > latest) {
      throw new NotFoundError(`${context} aggregate ${aggregateId} has ${latest} event(s), not ${bound.version}`);
    }
    const decider = BOUNDED_CONTEXTS[context].decider as { evolve(state: unknown, event: DomainEvent): unknown; initialState(): unknown };
    const folded = await foldPages(
      (afterVersion, throughVersion) =>
        this.read(context, (schema) => this.repository.range(schema, aggregateId, { afterVersion, throughVersion, at: bound.at }), []),
      (state, e) => decider.evolve(state, { type: e.type, data: e.payload }),
      decider.initialState(),
      { throughVersion: bound.version ?? latest, pageSize: FOLD_PAGE, gone },
    );
    const last = folded.last;
    if (last === undefined) throw new NotFoundError(`${context} aggregate ${aggregateId} had no events at ${bound.at}`);
    return { context, aggregateType: last.aggregateType, aggregateId, version: last.version, occurredAt: last.occurredAt, state: folded.state };
  }

  /**
   * The events of one correlation id in every context, then, round by round, the events whose
   * causation id names one already found (the saga's steps carry their cause's event id), in
   * causal order, with the commands that produced them. At most MAX_TRACE_EVENTS: the correlation
   * id is a request header, so anyone can put any number of events under one; past the bound the
   * trace says `truncated`.
   */
  async correlation(correlationId: string): Promise<{ correlationId: string; commands: CommandView[]; events: EventView[]; truncated: boolean }> {
    const found = new Map<string, EventView>();
    let truncated = false;
    let frontier: string[] = [];
    for (let round = 0; ; round++) {
      if (round === MAX_CAUSATION_ROUNDS) {
        truncated = true;
        break;
      }
      const budget = MAX_TRACE_EVENTS - found.size;
      // One more than the budget tells whether anything was left out.
      const batches = await Promise.all(
        EVENT_INDEX_CONTEXTS.map((context) =>
          this.read(
            context,
            (schema) => (round === 0 ? this.repository.correlated(schema, correlationId, budget + 1) : this.repository.causedBy(schema, frontier, budget + 1)),
            [],
          ),
        ),
      );
      const fresh = batches.flat().filter((e) => !found.has(e.eventId));
      if (fresh.length > budget) {
        truncated = true;
        fresh.length = budget;
      }
      for (const e of fresh) found.set(e.eventId, upcast(e));
      if (fresh.length === 0 || truncated) break;
      frontier = fresh.map((e) => e.eventId);
    }
    if (found.size === 0) throw new NotFoundError(`no events of correlation ${correlationId}`);
    const events = causalOrder([...found.values()]);
    const commands = new Map<string, CommandView>();
    for (const e of events) {
      const command = commands.get(e.commandId);
      if (command) {
        command.toVersion = Math.max(command.toVersion, e.version);
        command.eventTypes.push(e.type);
      } else {
        commands.set(e.commandId, {
          commandId: e.commandId,
          context: e.context,
          aggregateType: e.aggregateType,
          aggregateId: e.aggregateId,
          causationId: e.causationId,
          outcome: 'ACCEPTED',
          fromVersion: e.version,
          toVersion: e.version,
          eventTypes: [e.type],
        });
      }
    }
    return { correlationId, commands: [...commands.values()], events, truncated };
  }

  /**
   * Accepted commands and events per bucket over the last `minutes`, every context summed (the
   * console's rates). Buckets are aligned to the epoch, so consecutive polls agree.
   */
  rates(minutes: number, bucketSeconds: number): Promise<RateBucket[]> {
    // An hour of events is seconds of database work: one such query at a time (OneAtATime).
    return this.ratesQueue.run(`${minutes}/${bucketSeconds}`, () => this.countRates(minutes, bucketSeconds, Date.now()));
  }

  private async countRates(minutes: number, bucketSeconds: number, now: number): Promise<RateBucket[]> {
    const start = Math.floor((now - minutes * 60_000) / (bucketSeconds * 1000)) * bucketSeconds * 1000;
    const perContext = await Promise.all(
      EVENT_INDEX_CONTEXTS.map((context) => this.read(context, (schema) => this.repository.rates(schema, new Date(start).toISOString(), bucketSeconds), [])),
    );
    const buckets = new Map<string, RateBucket>();
    for (let t = start; t <= now; t += bucketSeconds * 1000) {
      const at = new Date(t).toISOString();
      buckets.set(at, { at, events: 0, commands: 0 });
    }
    for (const row of perContext.flat()) {
      const bucket = buckets.get(row.at);
      if (bucket) {
        bucket.events += row.events;
        bucket.commands += row.commands;
      }
    }
    return [...buckets.values()];
  }

  private latestVersion(context: IndexedContext, aggregateId: string): Promise<number> {
    return this.read(context, (schema) => this.repository.latestVersion(schema, aggregateId), 0);
  }

  private read<T>(context: IndexedContext, query: (schema: string) => Promise<T>, nothingProjected: T): Promise<T> {
    return this.versions.read(eventIndexProjectionName(context), query, nothingProjected);
  }
}

/**
 * Folds an aggregate's events (upcast on read) from version 1 through `throughVersion`, `pageSize`
 * versions per `page(after, through)` call. Throws a TimeoutError when `gone` says nobody waits for
 * the answer any more.
 */
export async function foldPages<S>(
  page: (afterVersion: number, throughVersion: number) => Promise<IndexedEventRow[]>,
  evolve: (state: S, event: EventView) => S,
  initial: S,
  { throughVersion, pageSize, gone }: { throughVersion: number; pageSize: number; gone: () => boolean },
): Promise<{ state: S; last?: EventView }> {
  let state = initial;
  let last: EventView | undefined;
  for (let after = 0; after < throughVersion; after += pageSize) {
    if (gone()) throw new TimeoutError('the client closed the connection before the fold finished');
    for (const row of await page(after, Math.min(after + pageSize, throughVersion))) {
      last = upcast(row);
      state = evolve(state, last);
    }
  }
  return { state, last };
}

/**
 * The index keeps payloads as upcast when they were indexed; a newer build may know newer upcasters,
 * so stored payloads pass through the registry again (a no-op when already current).
 */
function upcast(row: IndexedEventRow): EventView {
  try {
    const { schemaVersion, payload } = upcasters.upcast(row.type, row.schemaVersion, row.payload);
    return schemaVersion === row.schemaVersion ? row : { ...row, schemaVersion, payload };
  } catch {
    return row;
  }
}

/**
 * Causal order: an event comes after the event that caused it (causationId) and after the earlier
 * versions of its own aggregate; among events free to go next, the earliest occurredAt (then the
 * log position) first. Kahn's algorithm over those edges with a binary heap of the events free to
 * go: O(n log n), because anyone can put thousands of events under one correlation id (it is a
 * request header) and an earlier version, which sorted the free events on every step, held the
 * query API's event loop for 3 s on 10,000 events.
 */
export function causalOrder(events: readonly EventView[]): EventView[] {
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const children = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  const edge = (from: string, to: string) => {
    const list = children.get(from);
    if (list) list.push(to);
    else children.set(from, [to]);
    waiting.set(to, (waiting.get(to) ?? 0) + 1);
  };
  const streams = new Map<string, EventView[]>();
  for (const e of events) {
    if (e.causationId && byId.has(e.causationId) && e.causationId !== e.eventId) edge(e.causationId, e.eventId);
    const key = `${e.context}\u0000${e.aggregateId}`;
    const stream = streams.get(key);
    if (stream) stream.push(e);
    else streams.set(key, [e]);
  }
  for (const stream of streams.values()) {
    stream.sort((a, b) => a.version - b.version);
    for (let i = 1; i < stream.length; i++) edge(stream[i - 1].eventId, stream[i].eventId);
  }
  const ready = new MinHeap<EventView>(before);
  for (const e of events) if (!waiting.get(e.eventId)) ready.push(e);
  const out: EventView[] = [];
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    out.push(next);
    for (const child of children.get(next.eventId) ?? []) {
      const left = waiting.get(child)! - 1;
      waiting.set(child, left);
      if (left === 0) ready.push(byId.get(child)!);
    }
  }
  // A cycle (corrupt causation ids) cannot be ordered causally: keep its events, in time order.
  if (out.length < events.length) {
    const placed = new Set(out);
    out.push(...events.filter((e) => !placed.has(e)).sort(before));
  }
  return out;
}

/** Earlier occurredAt first (ISO-8601 UTC strings of one format compare as text), then the log position. */
function before(a: EventView, b: EventView): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  if (a.context !== b.context) return a.context < b.context ? -1 : 1;
  return a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset));
}

/** A binary min-heap: the smallest item by `compare` first. */
class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  push(item: T): void {
    const items = this.items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[parent], items[i]) <= 0) break;
      [items[parent], items[i]] = [items[i], items[parent]];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      for (let i = 0; ;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && this.compare(items[left], items[smallest]) < 0) smallest = left;
        if (right < items.length && this.compare(items[right], items[smallest]) < 0) smallest = right;
        if (smallest === i) break;
        [items[smallest], items[i]] = [items[i], items[smallest]];
        i = smallest;
      }
    }
    return top;
  }
}
