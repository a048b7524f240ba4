import type { StoredEvent } from '@es/event-store';

/**
 * A pure fold step: the row before (undefined when the projection has none) and one event in, the
 * row after out. Returning undefined leaves the read model untouched for that event.
 */
export type FoldStep<S, P = any> = (state: S | undefined, event: StoredEvent<P>) => S | undefined;

/** What a projection's @EventPattern handler receives from the projector transport. */
export interface FoldInput<S, P = any> {
  readonly state: S | undefined;
  readonly event: StoredEvent<P>;
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
  constructor(readonly topic: string, readonly partition: number, readonly expected: number) {
    super(`checkpoint of ${topic}[${partition}] is no longer at ${expected}`);
  }
}

/** A single record failed to deserialize or fold; carries where, so the runtime can dead-letter it. */
export class PoisonEventError extends Error {
  override readonly name = 'PoisonEventError';
  constructor(readonly offset: number, readonly eventType: string | null, readonly payload: unknown, override readonly cause: Error) {
    super(cause.message);
  }
}
