import { randomUUID } from 'node:crypto';
import { eventIdFor, type EventEnvelope } from '@es/event-store';

/**
 * An orders event as the processor would append it (OrderPlaced at its current schema version 2),
 * for benches that write event topics directly. `occurredAt` comes from the caller's clock so a
 * generated history is ordered. The correlation id is the order's unless one is given.
 */
export function orderEnvelope(orderId: string, version: number, type: string, payload: unknown, occurredAt: Date, correlationId = orderId): EventEnvelope {
  return {
    eventId: eventIdFor('Order', orderId, version),
    type,
    schemaVersion: type === 'OrderPlaced' ? 2 : 1,
    context: 'orders',
    aggregateType: 'Order',
    aggregateId: orderId,
    version,
    commandId: randomUUID(),
    correlationId,
    causationId: null,
    occurredAt: occurredAt.toISOString(),
    payload,
  };
}
