import { productDecider } from './inventory/product.decider';
import {
  INVENTORY_CONTEXT,
  isProductCommandType,
  PRODUCT_AGGREGATE_TYPE,
  PRODUCT_COMMAND_TYPES,
  productAggregateIdOf,
  type ProductCommand,
} from './inventory/product.commands';
import { isProductEventType, PRODUCT_EVENT_TYPES, type ProductEvent } from './inventory/product.events';
import { PRODUCT_STATE_VERSION, type ProductState } from './inventory/product.state';
import { orderDecider } from './orders/order.decider';
import {
  isOrderCommandType,
  ORDER_AGGREGATE_TYPE,
  ORDER_COMMAND_TYPES,
  orderAggregateIdOf,
  ORDERS_CONTEXT,
  type OrderCommand,
} from './orders/order.commands';
import { isOrderEventType, ORDER_EVENT_TYPES, type OrderEvent } from './orders/order.events';
import { ORDER_STATE_VERSION, type OrderState } from './orders/order.state';
import type { Versioned } from './shared/aggregate-version';
import type { Decider } from './shared/decider';
import type { BoundedContext, Command, DomainEvent } from './shared/message';

/**
 * Everything generic infrastructure (command processor, transport, projectors) needs to know about
 * one context, in one place, so that it never switches on context names itself.
 */
export interface BoundedContextDefinition<C extends Command, E extends DomainEvent, S extends Versioned> {
  readonly context: BoundedContext;
  readonly aggregateType: string;
  readonly decider: Decider<C, E, S>;
  /** Format version of the decider's state as stored; a stored record of another version is rebuilt from the events. */
  readonly stateVersion: number;
  readonly commandTypes: readonly C['type'][];
  readonly eventTypes: readonly E['type'][];
  aggregateIdOf(command: Pick<C, 'data'>): string;
  isCommandType(type: string): type is C['type'];
  isEventType(type: string): type is E['type'];
}

export const inventoryContext: BoundedContextDefinition<ProductCommand, ProductEvent, ProductState> =
  Object.freeze({
    context: INVENTORY_CONTEXT,
    aggregateType: PRODUCT_AGGREGATE_TYPE,
    decider: productDecider,
    stateVersion: PRODUCT_STATE_VERSION,
    commandTypes: PRODUCT_COMMAND_TYPES,
    eventTypes: PRODUCT_EVENT_TYPES,
    aggregateIdOf: productAggregateIdOf,
    isCommandType: isProductCommandType,
    isEventType: isProductEventType,
  });

export const ordersContext: BoundedContextDefinition<OrderCommand, OrderEvent, OrderState> = Object.freeze({
  context: ORDERS_CONTEXT,
  aggregateType: ORDER_AGGREGATE_TYPE,
  decider: orderDecider,
  stateVersion: ORDER_STATE_VERSION,
  commandTypes: ORDER_COMMAND_TYPES,
  eventTypes: ORDER_EVENT_TYPES,
  aggregateIdOf: orderAggregateIdOf,
  isCommandType: isOrderCommandType,
  isEventType: isOrderEventType,
});

export const BOUNDED_CONTEXTS = Object.freeze({ orders: ordersContext, inventory: inventoryContext });
