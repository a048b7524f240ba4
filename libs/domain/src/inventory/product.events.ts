import type { DomainEvent } from '../shared/message';

export type ProductRegistered = DomainEvent<'ProductRegistered', { readonly sku: string; readonly name: string }>;

export type ProductRenamed = DomainEvent<'ProductRenamed', { readonly sku: string; readonly name: string }>;

export type StockReceived = DomainEvent<'StockReceived', { readonly sku: string; readonly quantity: number }>;

export type StockReserved = DomainEvent<'StockReserved', { readonly sku: string; readonly orderId: string; readonly quantity: number }>;

export type StockReservationRejectionReason = 'INSUFFICIENT_STOCK' | 'UNKNOWN_PRODUCT';

/**
 * A rejection is an outcome, not an error: the fulfillment process reacts to it, so it has to be in
 * the stream. `available` records what the decision saw, for the order's rejection reason and for
 * operators.
 */
export type StockReservationRejected = DomainEvent<
  'StockReservationRejected',
  {
    readonly sku: string;
    readonly orderId: string;
    readonly quantity: number;
    readonly reason: StockReservationRejectionReason;
    readonly available: number;
  }
>;

export type StockReleased = DomainEvent<'StockReleased', { readonly sku: string; readonly orderId: string; readonly quantity: number }>;

export type StockCommitted = DomainEvent<'StockCommitted', { readonly sku: string; readonly orderId: string; readonly quantity: number }>;

export type ProductEvent = ProductRegistered | ProductRenamed | StockReceived | StockReserved | StockReservationRejected | StockReleased | StockCommitted;

export type ProductEventType = ProductEvent['type'];

/**
 * The schema version each product event is written with today, keyed by the union so that a new
 * event cannot be forgotten. Readers upcast anything older (event-store's registry); bump a number
 * only together with an upcaster.
 */
export const PRODUCT_EVENT_SCHEMA_VERSIONS: Readonly<Record<ProductEventType, number>> = Object.freeze({
  ProductRegistered: 1,
  ProductRenamed: 1,
  StockReceived: 1,
  StockReserved: 1,
  StockReservationRejected: 1,
  StockReleased: 1,
  StockCommitted: 1,
});

export const PRODUCT_EVENT_TYPES = Object.freeze(Object.keys(PRODUCT_EVENT_SCHEMA_VERSIONS) as ProductEventType[]);

export function isProductEventType(type: string): type is ProductEventType {
  return Object.prototype.hasOwnProperty.call(PRODUCT_EVENT_SCHEMA_VERSIONS, type);
}
