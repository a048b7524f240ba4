import type { DomainEvent } from '@es/domain';
import type { StoredEvent } from '@es/event-store';

/**
 * A pure fold step: the row before (undefined when the projection has none) and one event in, the
 * row after out. Returning undefined leaves the read model untouched for that event.
 */
export type FoldStep<S, P = any> = (state: S | undefined, event: StoredEvent<P>) => S | undefined;

/**
 * Written in a fold table for an event type the projection deliberately does not apply: the runtime
 * skips it (no row is loaded) and checkpoints past it. Only a type declared so is skipped — one the
 * table does not name at all is poison (UnhandledEventTypeError).
 */
export const ignore: FoldStep<any, any> = () => undefined;

/**
 * A projection's fold table over its context's event union: one entry per event type, typed by
 * that event's payload. A missing type (a new event) or an invented one fails the build.
 */
export type FoldTable<E extends DomainEvent, S> = {
  readonly [T in E['type']]: FoldStep<S, Extract<E, { type: T }>['data']>;
};

/** An event of a type the projection's fold table does not name (a newer producer, or a forgotten fold). */
export class UnhandledEventTypeError extends Error {
  override readonly name = 'UnhandledEventTypeError';
  constructor(
    readonly eventType: string,
    projection: string,
  ) {
    super(`projection ${projection} has no fold for event type ${eventType}: add it to the fold table (or declare it \`ignore\`)`);
  }
}

/** An event refers to a row the projection does not have (out of order or corrupt stream): poison. */
export class MissingRowError extends Error {
  override readonly name = 'MissingRowError';
  constructor(event: Pick<StoredEvent, 'type' | 'aggregateId' | 'version'>) {
    super(`${event.type} v${event.version} for ${event.aggregateId}, which the projection has never seen`);
  }
}

/** Another writer (a second instance, after a rebalance) moved the checkpoint: roll back and re-seek. */
export class CheckpointConflictError extends Error {
  override readonly name = 'CheckpointConflictError';
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly expected: number,
  ) {
    super(`checkpoint of ${topic}[${partition}] is no longer at ${expected}`);
  }
}

/** A single record failed to deserialize or fold; carries where, so the runtime can dead-letter it. */
export class PoisonEventError extends Error {
  override readonly name = 'PoisonEventError';
  constructor(
    readonly offset: number,
    readonly eventType: string | null,
    readonly payload: unknown,
    override readonly cause: Error,
  ) {
    super(cause.message);
  }
}
