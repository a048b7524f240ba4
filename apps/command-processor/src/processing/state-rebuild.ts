import type { BoundedContextDefinition, Command, DomainEvent, Versioned } from '@es/domain';
import { deserializeEvent, encodePosition, MalformedEventError, type AggregateRecord, type PartitionLog, type RestoredPartition } from '@es/event-store';

/**
 * An event of the partition that the current decider cannot fold: not decodable, of an unknown
 * type, out of version order, or `evolve` threw. The partition stops (its commands wait) rather
 * than decide on state that skipped an event; `/health` names the partition, offset and error.
 */
export class PoisonEventError extends Error {
  constructor(
    readonly context: string,
    readonly partition: number,
    readonly offset: string,
    readonly reason: string,
  ) {
    super(`event ${context}[${partition}]@${offset} cannot be folded: ${reason}`);
    this.name = 'PoisonEventError';
  }
}

/** A successful command's outcome as the events tell it (for the idempotency memory). */
export interface FoldedOutcome {
  readonly commandId: string;
  /** '' for events written before events carried their command's fingerprint. */
  readonly fingerprint: string;
  readonly version: number;
  readonly offset: number;
  readonly at: number;
}

export interface FoldedPartition {
  readonly aggregates: Map<string, AggregateRecord>;
  readonly events: number;
  /** Events found twice (same aggregate, version and command) and applied once. */
  readonly duplicates: number;
  /** Records that are no event of any aggregate here (see foldPartition), skipped; the first few offsets. */
  readonly foreign: { readonly count: number; readonly offsets: readonly string[] };
}

/** Versions back within which a re-appended event is recognised as a duplicate. */
const RECENT_COMMANDS = 16;

/**
 * Why a restored partition cannot be trusted and must be rebuilt from its events, or undefined.
 * The state topic is a cache of the event log: a record of another state version (an `evolve`
 * fix, a new field), a record that does not decode, or a state partition that is empty while its
 * events partition is not, all mean the events are read again with the current decider.
 */
export function rebuildReason(restored: RestoredPartition, stateVersion: number): string | undefined {
  if (restored.undecodable > 0) return `${restored.undecodable} state record(s) did not decode`;
  let stale = 0;
  let seen: number | undefined;
  for (const record of restored.aggregates.values()) {
    if ((record.stateVersion ?? 0) !== stateVersion) {
      stale += 1;
      seen = record.stateVersion ?? 0;
    }
  }
  if (stale > 0) return `${stale} state record(s) of state version ${seen}, current ${stateVersion}`;
  if (restored.aggregates.size === 0 && restored.eventsEnd > 0) return 'the state partition is empty while its events partition is not';
  return undefined;
}

/**
 * Folds the events partition from offset zero with the current decider (upcasters applied by
 * deserializeEvent): every aggregate's state, version and last position; `onOutcome` sees every event
 * decided since `outcomesSinceMs` as its command's outcome (a command's later events come later, with
 * higher versions). Throws PoisonEventError on the first event it cannot fold.
 */
export async function foldPartition(
  definition: BoundedContextDefinition<Command, DomainEvent, Versioned>,
  log: PartitionLog,
  {
    topic,
    outcomesSinceMs = Infinity,
    onOutcome,
    onProgress,
  }: { topic: string; outcomesSinceMs?: number; onOutcome?: (outcome: FoldedOutcome) => void; onProgress?: (offset: number, end: number) => void },
): Promise<FoldedPartition> {
  const states = new Map<string, { state: Versioned; offset: number; commands: string[] }>();
  let events = 0;
  let duplicates = 0;
  const foreign = { count: 0, offsets: [] as string[] };
  let poison: PoisonEventError | undefined;
  await log.readEvents((record) => {
    if (poison) return;
    const fail = (reason: string) => (poison = new PoisonEventError(definition.context, log.partition, record.offset, reason));
    try {
      const event = deserializeEvent({ value: record.value, topic, partition: log.partition, offset: record.offset });
      if (!definition.isEventType(event.type)) return void fail(`unknown event type ${JSON.stringify(event.type)}`);
      const folded = states.get(event.aggregateId);
      const current = folded?.state ?? definition.decider.initialState();
      if (event.version !== current.version + 1) {
        // The same event appended twice (same version, same command — a producer retry) is skipped:
        // the log's readers all apply a version once. Anything else out of order is poison.
        const back = current.version - event.version;
        if (folded && back >= 0 && back < folded.commands.length && folded.commands[folded.commands.length - 1 - back] === event.commandId) {
          duplicates += 1;
          return;
        }
        return void fail(`${event.aggregateId} is at version ${current.version}, the event has version ${event.version}`);
      }
      const next = definition.decider.evolve(current, { type: event.type, data: event.payload } as DomainEvent);
      if (next.version !== event.version) return void fail(`evolve produced version ${next.version} for event version ${event.version}`);
      const offset = Number(record.offset);
      const commands = folded?.commands ?? [];
      commands.push(event.commandId);
      if (commands.length > RECENT_COMMANDS) commands.shift();
      states.set(event.aggregateId, { state: next, offset, commands });
      events += 1;
      const at = Date.parse(event.occurredAt);
      if (onOutcome && typeof event.commandId === 'string' && at >= outcomesSinceMs) {
        onOutcome({ commandId: event.commandId, fingerprint: event.commandFingerprint ?? '', version: event.version, offset, at });
      }
    } catch (error) {
      // A record that is not an envelope at all (MalformedEventError: no JSON, or no string type and
      // aggregateId and integer version) names no aggregate, so it can be no event of one: we write only
      // envelopes, keyed by their aggregate id, and Kafka's checksums rule out one of ours decaying into
      // another record. It is what a foreign writer leaves (a console producer on the wrong topic):
      // skipped and reported, where it used to stop the partition's commands for good, with no way to
      // skip it. Still poison when its key names an aggregate already folded here: then it may be that
      // aggregate's last event. (A lost event in the middle of an aggregate's history stops the fold at
      // the version gap it leaves.)
      if (error instanceof MalformedEventError && !(record.key !== null && states.has(record.key))) {
        foreign.count += 1;
        if (foreign.offsets.length < 10) foreign.offsets.push(record.offset);
        return;
      }
      fail((error as Error).message);
    }
  }, onProgress);
  if (poison) throw poison;
  const aggregates = new Map<string, AggregateRecord>();
  for (const [aggregateId, { state, offset }] of states) {
    aggregates.set(aggregateId, {
      aggregateId,
      stateVersion: definition.stateVersion,
      version: state.version,
      state,
      lastPosition: encodePosition({ context: definition.context, partition: log.partition, offset: String(offset) }),
    });
  }
  return { aggregates, events, duplicates, foreign };
}
