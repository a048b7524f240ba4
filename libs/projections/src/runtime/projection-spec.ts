import type { StoredEvent } from '@es/event-store';
import type { ProjectionInfo, ReadModelStore } from '@es/read-models';

/** Per-event fold as the runtime calls it: may be a Nest message handler, hence the Promise. */
export type FoldHandler<S> = (state: S | undefined, event: StoredEvent) => S | undefined | Promise<S | undefined>;

export type DeadLetterPolicy = 'stop' | 'skip';

/** Everything the runtime needs to run one projection (any version). */
export interface ProjectionSpec<S = any> {
  readonly info: ProjectionInfo;
  readonly store: ReadModelStore<S>;
  /** Event type → fold. Types not listed are ignored (issue 4: unknown event types). */
  readonly folds: ReadonlyMap<string, FoldHandler<S>>;
  /** Default `stop`: a poison event halts its partition until an operator retries or skips it. */
  readonly deadLetterPolicy: DeadLetterPolicy;
  /** Attempts at a failing event (or batch) before it is dead-lettered. */
  readonly maxAttempts: number;
  /** Row key of an event; the aggregate id for both projections. */
  keyOf?(event: StoredEvent): string;
}
