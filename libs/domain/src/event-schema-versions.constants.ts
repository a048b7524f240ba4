import type { ProductEventType } from './inventory/product.events';
import type { OrderEventType } from './orders/order.events';

export type DomainEventType = ProductEventType | OrderEventType;

/**
 * The schema version each event type is written with today. Readers upcast anything older
 * (event-store lib's registry); bump a number here only together with an upcaster.
 * Keyed by the union so that a new event type cannot be forgotten.
 */
export const EVENT_SCHEMA_VERSIONS: Readonly<Record<DomainEventType, number>> = Object.freeze({
  ProductRegistered: 1,
  StockReceived: 1,
  StockReserved: 1,
  StockReservationRejected: 1,
  StockReleased: 1,
  StockCommitted: 1,
  OrderPlaced: 2,
  OrderLineReserved: 1,
  OrderLineRejected: 1,
  OrderConfirmed: 1,
  OrderRejected: 1,
  OrderCancelled: 1,
  OrderShipped: 1,
});
