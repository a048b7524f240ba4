import type { ProductCommand } from '../inventory/product.commands';
import type { StockReservationRejected, StockReserved } from '../inventory/product.events';
import type { OrderCommand } from '../orders/order.commands';
import type { OrderCancelled, OrderPlaced, OrderRejected, OrderShipped } from '../orders/order.events';
import type { CommandPayload } from '../shared/message';

/**
 * The fulfillment process manager's decisions, with no state of its own: everything it needs is in
 * the events it reacts to, and its per-order progress (line outcomes) lives in the order's own
 * stream, which has a single writer. So a restarted or rebalanced saga instance needs no recovery.
 */

/** What the saga hands to the transport: the command processor adds metadata (now, correlation). */
export type PlannedCommand =
  | {
      readonly context: 'orders';
      readonly aggregateId: string;
      readonly commandId: string;
      readonly command: CommandPayload<OrderCommand>;
    }
  | {
      readonly context: 'inventory';
      readonly aggregateId: string;
      readonly commandId: string;
      readonly command: CommandPayload<ProductCommand>;
    };

/** An event as the saga sees it off either events topic; the type is not trusted to be one of ours. */
export interface ObservedEvent {
  readonly type: string;
  readonly data: unknown;
  readonly aggregateId: string;
  readonly version: number;
}

type FulfillmentTrigger = OrderPlaced | StockReserved | StockReservationRejected | OrderRejected | OrderCancelled | OrderShipped;

export type FulfillmentTriggerType = FulfillmentTrigger['type'];

/** Per context, so the saga knows which events topic carries which of them. */
export const FULFILLMENT_SUBSCRIPTIONS = Object.freeze({
  orders: Object.freeze(['OrderPlaced', 'OrderRejected', 'OrderCancelled', 'OrderShipped'] as const),
  inventory: Object.freeze(['StockReserved', 'StockReservationRejected'] as const),
});

export const FULFILLMENT_SUBSCRIBED_EVENT_TYPES: readonly FulfillmentTriggerType[] = Object.freeze([
  ...FULFILLMENT_SUBSCRIPTIONS.orders,
  ...FULFILLMENT_SUBSCRIPTIONS.inventory,
]);

/**
 * Command ids are derived from the order and the step, never generated: a redelivered event plans
 * the very same ids, and the command processor's idempotency turns the repeat into a no-op.
 */
export const fulfillmentCommandIds = {
  reserve: (orderId: string, sku: string): string => `${orderId}:reserve:${sku}`,
  recordLine: (orderId: string, sku: string): string => `${orderId}:line:${sku}`,
  releaseAfterReject: (orderId: string, sku: string): string => `${orderId}:release:${sku}`,
  releaseAfterCancel: (orderId: string, sku: string): string => `${orderId}:cancel-release:${sku}`,
  commit: (orderId: string, sku: string): string => `${orderId}:commit:${sku}`,
} as const;

export function fulfillmentReactions(event: ObservedEvent): PlannedCommand[] {
  if (!isFulfillmentTrigger(event)) return [];
  const trigger = { type: event.type, data: event.data } as FulfillmentTrigger;
  switch (trigger.type) {
    case 'OrderPlaced': {
      const { orderId, lines } = trigger.data;
      return lines.map(({ sku, quantity }) =>
        inventory(sku, fulfillmentCommandIds.reserve(orderId, sku), {
          type: 'ReserveStock',
          data: { sku, orderId, quantity },
        }),
      );
    }
    case 'StockReserved': {
      const { orderId, sku } = trigger.data;
      return [
        orders(orderId, fulfillmentCommandIds.recordLine(orderId, sku), {
          type: 'RecordLineReservation',
          data: { orderId, sku, outcome: 'RESERVED' },
        }),
      ];
    }
    case 'StockReservationRejected': {
      const { orderId, sku, reason } = trigger.data;
      return [
        orders(orderId, fulfillmentCommandIds.recordLine(orderId, sku), {
          type: 'RecordLineReservation',
          data: { orderId, sku, outcome: 'REJECTED', reason },
        }),
      ];
    }
    case 'OrderRejected': {
      const { orderId, reservedSkus, pendingSkus = [] } = trigger.data;
      return [...reservedSkus, ...pendingSkus].map((sku) => release(orderId, sku, fulfillmentCommandIds.releaseAfterReject(orderId, sku)));
    }
    case 'OrderCancelled': {
      // Every line, not only reservedSkus: a ReserveStock still in flight was produced earlier to the
      // same product partition, so this release is handled after it and nothing stays reserved.
      const { orderId, lines } = trigger.data;
      return lines.map(({ sku }) => release(orderId, sku, fulfillmentCommandIds.releaseAfterCancel(orderId, sku)));
    }
    case 'OrderShipped': {
      const { orderId, lines } = trigger.data;
      return lines.map(({ sku }) =>
        inventory(sku, fulfillmentCommandIds.commit(orderId, sku), {
          type: 'CommitStock',
          data: { sku, orderId },
        }),
      );
    }
    default: {
      const _exhaustive: never = trigger;
      return _exhaustive;
    }
  }
}

export function isFulfillmentTrigger(event: Pick<ObservedEvent, 'type'>): boolean {
  return (FULFILLMENT_SUBSCRIBED_EVENT_TYPES as readonly string[]).includes(event.type);
}

function release(orderId: string, sku: string, commandId: string): PlannedCommand {
  return inventory(sku, commandId, { type: 'ReleaseStock', data: { sku, orderId } });
}

function inventory(sku: string, commandId: string, command: CommandPayload<ProductCommand>): PlannedCommand {
  return { context: 'inventory', aggregateId: sku, commandId, command };
}

function orders(orderId: string, commandId: string, command: CommandPayload<OrderCommand>): PlannedCommand {
  return { context: 'orders', aggregateId: orderId, commandId, command };
}
