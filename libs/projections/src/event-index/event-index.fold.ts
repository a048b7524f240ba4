import type { StoredEvent } from '@es/event-store';
import { eventIndexStore, type IndexedEventRow, type ProjectionInfo } from '@es/read-models';
import type { FoldStep } from '../runtime/projection-fold';
import type { DeadLetterPolicy, FoldHandler, ProjectionSpec } from '../runtime/projection-spec';

/**
 * The event index's fold: every event becomes its own row, exactly as read (payload already upcast
 * by the runtime's deserializer). An event is never changed afterwards, so a row that exists is left
 * alone (a redelivery the checkpoint did not already exclude).
 */
export const indexEvent: FoldStep<IndexedEventRow> = (state, event) => {
  if (state) return undefined;
  return {
    eventId: event.eventId,
    context: event.context,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    version: event.version,
    type: event.type,
    schemaVersion: event.schemaVersion,
    payload: event.payload,
    occurredAt: event.occurredAt,
    commandId: event.commandId,
    correlationId: event.correlationId,
    causationId: event.causationId ?? null,
    topic: event.topic,
    partition: event.partition,
    offset: event.offset,
  };
};

/**
 * A fold table that has every event type, known or not: the runtime applies the types its table
 * lists, and the index must keep events of types this build has never heard of too.
 */
export class EveryEventType<S> extends Map<string, FoldHandler<S>> {
  constructor(private readonly fold: FoldHandler<S>) {
    super();
  }

  override has(_type: string): boolean {
    return true;
  }

  override get(_type: string): FoldHandler<S> {
    return this.fold;
  }
}

/** The ProjectionSpec of one context's event index, run by the same supervisor as the other projections. */
export function eventIndexSpec(info: ProjectionInfo, settings: { deadLetterPolicy: DeadLetterPolicy; maxAttempts: number }): ProjectionSpec<IndexedEventRow> {
  return {
    info,
    store: eventIndexStore,
    folds: new EveryEventType<IndexedEventRow>(indexEvent),
    deadLetterPolicy: settings.deadLetterPolicy,
    maxAttempts: settings.maxAttempts,
    // One row per event: the key is the event's place in its stream.
    keyOf: (event: StoredEvent) => `${event.aggregateId}\u0000${event.version}`,
  };
}
