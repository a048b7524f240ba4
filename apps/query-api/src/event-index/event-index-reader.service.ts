import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { BOUNDED_CONTEXTS, NotFoundError, type DomainEvent } from '@es/domain';
import { upcasters } from '@es/event-store';
import { EVENT_INDEX_CONTEXTS, EventIndexQueryRepository, eventIndexProjectionName, type IndexedEventRow } from '@es/read-models';
import { ActiveVersionsService } from '../shared/active-versions.service';
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

  /** The aggregate's state after `version` (or after its last event at or before `at`; default: its latest). */
  async stateAt(context: IndexedContext, aggregateId: string, bound: { version?: number; at?: string }): Promise<StateView> {
    const events = (await this.read(context, (schema) => this.repository.upTo(schema, aggregateId, bound), [])).map(upcast);
    if (bound.version !== undefined && events.length < bound.version) {
      const latest = events.length > 0 ? events.length : await this.latestVersion(context, aggregateId);
      throw new NotFoundError(
        latest === 0 ? `no events of ${context} aggregate ${aggregateId}` : `${context} aggregate ${aggregateId} has ${latest} event(s), not ${bound.version}`,
      );
    }
    if (events.length === 0) {
      const exists = bound.at !== undefined && (await this.latestVersion(context, aggregateId)) > 0;
      throw new NotFoundError(exists ? `${context} aggregate ${aggregateId} had no events at ${bound.at}` : `no events of ${context} aggregate ${aggregateId}`);
    }
    const decider = BOUNDED_CONTEXTS[context].decider as { evolve(state: unknown, event: DomainEvent): unknown; initialState(): unknown };
    const state = events.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.payload }), decider.initialState());
    const last = events[events.length - 1];
    return { context, aggregateType: last.aggregateType, aggregateId, version: last.version, occurredAt: last.occurredAt, state };
  }

  /**
   * The events of one correlation id in every context, then, round by round, the events whose
   * causation id names one already found (the saga's steps carry their cause's event id), in
   * causal order, with the commands that produced them.
   */
  async correlation(correlationId: string): Promise<{ correlationId: string; commands: CommandView[]; events: EventView[] }> {
    const found = new Map<string, EventView>();
    let frontier: string[] = [];
    for (let round = 0; round < MAX_CAUSATION_ROUNDS && found.size < MAX_TRACE_EVENTS; round++) {
      const batches = await Promise.all(
        EVENT_INDEX_CONTEXTS.map((context) => this.read(context, (schema) => this.repository.related(schema, correlationId, frontier, MAX_TRACE_EVENTS), [])),
      );
      const fresh = batches.flat().filter((e) => !found.has(e.eventId));
      for (const e of fresh) found.set(e.eventId, upcast(e));
      if (fresh.length === 0) break;
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
    return { correlationId, commands: [...commands.values()], events };
  }

  /**
   * Accepted commands and events per bucket over the last `minutes`, every context summed (the
   * console's rates). Buckets are aligned to the epoch, so consecutive polls agree.
   */
  async rates(minutes: number, bucketSeconds: number, now = Date.now()): Promise<{ at: string; events: number; commands: number }[]> {
    const start = Math.floor((now - minutes * 60_000) / (bucketSeconds * 1000)) * bucketSeconds * 1000;
    const perContext = await Promise.all(
      EVENT_INDEX_CONTEXTS.map((context) => this.read(context, (schema) => this.repository.rates(schema, new Date(start).toISOString(), bucketSeconds), [])),
    );
    const buckets = new Map<string, { at: string; events: number; commands: number }>();
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
 * log position) first. Kahn's algorithm over those edges.
 */
export function causalOrder(events: readonly EventView[]): EventView[] {
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const children = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  const edge = (from: string, to: string) => {
    children.set(from, [...(children.get(from) ?? []), to]);
    waiting.set(to, (waiting.get(to) ?? 0) + 1);
  };
  const streams = new Map<string, EventView[]>();
  for (const e of events) {
    if (e.causationId && byId.has(e.causationId) && e.causationId !== e.eventId) edge(e.causationId, e.eventId);
    const key = `${e.context}\u0000${e.aggregateId}`;
    streams.set(key, [...(streams.get(key) ?? []), e]);
  }
  for (const stream of streams.values()) {
    stream.sort((a, b) => a.version - b.version);
    for (let i = 1; i < stream.length; i++) edge(stream[i - 1].eventId, stream[i].eventId);
  }
  const before = (a: EventView, b: EventView) =>
    a.occurredAt.localeCompare(b.occurredAt) || a.context.localeCompare(b.context) || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset));
  const ready = events.filter((e) => !waiting.get(e.eventId));
  const out: EventView[] = [];
  while (ready.length > 0) {
    ready.sort(before);
    const next = ready.shift()!;
    out.push(next);
    for (const child of children.get(next.eventId) ?? []) {
      const left = waiting.get(child)! - 1;
      waiting.set(child, left);
      if (left === 0) ready.push(byId.get(child)!);
    }
  }
  // A cycle (corrupt causation ids) cannot be ordered causally: keep its events, in time order.
  if (out.length < events.length) out.push(...events.filter((e) => !out.includes(e)).sort(before));
  return out;
}
