import { BOUNDED_CONTEXT_NAMES } from '@es/domain';
import { EventIndex1764230600000 } from '../migrations/event-index/1764230600000-event-index.migration';
import type { ProjectionContext, ProjectionInfo } from '../projections/projection-catalog';

/**
 * The event index is one projection per context (`event-index-orders`, `event-index-inventory`):
 * the projection runtime reads one events topic per projection (one consumer group, checkpoints,
 * blue/green rebuild), and the index keeps that shape instead of teaching the runtime to read
 * several topics. Each can be rebuilt from offset 0 on its own.
 */
export const EVENT_INDEX_CONTEXTS: readonly ProjectionContext[] = BOUNDED_CONTEXT_NAMES;

export type EventIndexProjectionName = `event-index-${ProjectionContext}`;

export function eventIndexProjectionName(context: ProjectionContext): EventIndexProjectionName {
  return `event-index-${context}`;
}

export const EVENT_INDEX_PROJECTIONS = Object.fromEntries(
  EVENT_INDEX_CONTEXTS.map((context) => [
    eventIndexProjectionName(context),
    { name: eventIndexProjectionName(context), context, migrations: [EventIndex1764230600000], eventIndex: true } satisfies ProjectionInfo,
  ]),
) as Record<EventIndexProjectionName, ProjectionInfo>;
