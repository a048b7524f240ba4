import type { ProjectionSettings } from '@es/common';
import type { DomainEvent } from '@es/domain';
import type { StoredEvent } from '@es/event-store';
import type { ProjectionInfo, ReadModelStore } from '@es/read-models';
import type { FoldStep, FoldTable } from './projection-fold';

/** Per-event fold as the runtime calls it. */
export type FoldHandler<S> = (state: S | undefined, event: StoredEvent<any>) => S | undefined | Promise<S | undefined>;

export type DeadLetterPolicy = ProjectionSettings['deadLetterPolicy'];

/**
 * What a projection is: the read model it writes (name, topic, migrations), how its rows are read
 * and written in bulk, and how each event of its context folds into a row. Built with
 * defineProjection, which types the fold table against the context's event union.
 */
export interface ProjectionDefinition<S = any> {
  readonly info: ProjectionInfo;
  readonly store: ReadModelStore<S>;
  readonly folds: Readonly<Record<string, FoldStep<S>>>;
  /** Row key of an event; the aggregate id by default. */
  keyOf?(event: StoredEvent): string;
}

/**
 * `defineProjection<ProductEvent, ProductStockRow>({ info, store, folds })`: the fold table must
 * name every event type of the union (a deliberate skip is written `ignore`), or the build fails.
 */
export function defineProjection<E extends DomainEvent, S>(definition: {
  readonly info: ProjectionInfo;
  readonly store: ReadModelStore<S>;
  readonly folds: FoldTable<E, S>;
  keyOf?(event: StoredEvent): string;
}): ProjectionDefinition<S> {
  return definition as ProjectionDefinition<S>;
}

/** Everything the runtime needs to run one projection (any version). */
export interface ProjectionSpec<S = any> {
  readonly info: ProjectionInfo;
  readonly store: ReadModelStore<S>;
  /** Event type → fold. A type not listed is poison (dead letter); `ignore` skips a type on purpose. */
  readonly folds: ReadonlyMap<string, FoldHandler<S>>;
  /** Default `stop`: a poison event halts its partition until an operator retries or skips it. */
  readonly deadLetterPolicy: DeadLetterPolicy;
  /** Attempts at a failing event (or batch) before it is dead-lettered. */
  readonly maxAttempts: number;
  /** Row key of an event; the aggregate id for both projections. */
  keyOf?(event: StoredEvent): string;
}

/** A definition plus the validated projector settings (AppConfig.projection) = what the runtime runs. */
export function projectionSpec<S>(
  definition: ProjectionDefinition<S>,
  settings: Pick<ProjectionSettings, 'deadLetterPolicy' | 'maxAttempts'>,
): ProjectionSpec<S> {
  return {
    info: definition.info,
    store: definition.store,
    folds: new Map<string, FoldHandler<S>>(Object.entries(definition.folds)),
    deadLetterPolicy: settings.deadLetterPolicy,
    maxAttempts: settings.maxAttempts,
    ...(definition.keyOf ? { keyOf: definition.keyOf } : {}),
  };
}
