import type { DomainEvent } from '../shared/message';
import type { OrderLine } from './order.commands';

export type OrderPlaced = DomainEvent<
  'OrderPlaced',
  {
    readonly orderId: string;
    readonly customerId: string;
    readonly lines: readonly OrderLine[];
    readonly totalCents: number;
  }
>;

export type OrderPlacedData = OrderPlaced['data'];

export type OrderLineReserved = DomainEvent<'OrderLineReserved', { readonly orderId: string; readonly sku: string; readonly quantity: number }>;

export type OrderLineRejected = DomainEvent<'OrderLineRejected', { readonly orderId: string; readonly sku: string; readonly reason: string }>;

export type OrderConfirmed = DomainEvent<'OrderConfirmed', { readonly orderId: string }>;

/**
 * `pendingSkus` lists lines that had no reservation outcome yet when the order was rejected (only
 * possible with an explicit RejectOrder): their ReserveStock may still be in flight, so the
 * fulfillment process releases them as well as `reservedSkus`. The decider always writes it; it is
 * optional so that readers treat its absence as "none".
 */
export type OrderRejected = DomainEvent<
  'OrderRejected',
  {
    readonly orderId: string;
    readonly reason: string;
    readonly rejectedSkus: readonly string[];
    readonly reservedSkus: readonly string[];
    readonly pendingSkus?: readonly string[];
  }
>;

/**
 * Carries every line because the fulfillment process releases all of them, not only
 * `reservedSkus` (which is informational): a reservation still in flight at cancel time is only
 * undone by a release that follows it on the product's partition.
 */
export type OrderCancelled = DomainEvent<
  'OrderCancelled',
  {
    readonly orderId: string;
    readonly reason: string | null;
    readonly previousStatus: 'PENDING' | 'CONFIRMED';
    readonly reservedSkus: readonly string[];
    readonly lines: readonly OrderLine[];
  }
>;

export type OrderShipped = DomainEvent<'OrderShipped', { readonly orderId: string; readonly lines: readonly OrderLine[] }>;

export type OrderEvent = OrderPlaced | OrderLineReserved | OrderLineRejected | OrderConfirmed | OrderRejected | OrderCancelled | OrderShipped;

export type OrderEventType = OrderEvent['type'];

/**
 * The schema version each order event is written with today, keyed by the union so that a new event
 * cannot be forgotten. Readers upcast anything older (event-store's registry); bump a number only
 * together with an upcaster (OrderPlaced v1 → v2: order-placed.upcaster.ts).
 */
export const ORDER_EVENT_SCHEMA_VERSIONS: Readonly<Record<OrderEventType, number>> = Object.freeze({
  OrderPlaced: 2,
  OrderLineReserved: 1,
  OrderLineRejected: 1,
  OrderConfirmed: 1,
  OrderRejected: 1,
  OrderCancelled: 1,
  OrderShipped: 1,
});

export const ORDER_EVENT_TYPES = Object.freeze(Object.keys(ORDER_EVENT_SCHEMA_VERSIONS) as OrderEventType[]);

export function isOrderEventType(type: string): type is OrderEventType {
  return Object.prototype.hasOwnProperty.call(ORDER_EVENT_SCHEMA_VERSIONS, type);
}
