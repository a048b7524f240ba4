import { PRODUCT_EVENT_SCHEMA_VERSIONS, type ProductEventType } from './inventory/product.events';
import { ORDER_EVENT_SCHEMA_VERSIONS, type OrderEventType } from './orders/order.events';

export type DomainEventType = ProductEventType | OrderEventType;

/**
 * The schema version each event type is written with today, gathered from the contexts' event
 * declarations (where a new event gets its version, or the build fails). Readers upcast anything
 * older (event-store lib's registry).
 */
export const EVENT_SCHEMA_VERSIONS: Readonly<Record<DomainEventType, number>> = Object.freeze({
  ...PRODUCT_EVENT_SCHEMA_VERSIONS,
  ...ORDER_EVENT_SCHEMA_VERSIONS,
});
