import { productDecider } from './inventory/product.decider';
import {
  INVENTORY_CONTEXT,
  isProductCommandType,
  PRODUCT_AGGREGATE_TYPE,
  PRODUCT_COMMAND_ISSUERS,
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
  ORDER_COMMAND_ISSUERS,
  ORDER_COMMAND_TYPES,
  orderAggregateIdOf,
  ORDERS_CONTEXT,
  type OrderCommand,
} from './orders/order.commands';
import { isOrderEventType, ORDER_EVENT_TYPES, type OrderEvent } from './orders/order.events';
import { ORDER_STATE_VERSION, type OrderState } from './orders/order.state';
import type { Versioned } from './shared/aggregate-version';
import type { Decider } from './shared/decider';
import type { BoundedContext, Command, CommandIssuer, CommandPayload, DomainEvent } from './shared/message';

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
  /** Who issues each command type: `client` commands are the ones the command API exposes. */
  readonly commandIssuers: Readonly<Record<C['type'], CommandIssuer>>;
  readonly eventTypes: readonly E['type'][];
  aggregateIdOf(command: Pick<C, 'data'>): string;
  isCommandType(type: string): type is C['type'];
  isEventType(type: string): type is E['type'];
}

export const inventoryContext: BoundedContextDefinition<ProductCommand, ProductEvent, ProductState> = Object.freeze({
  context: INVENTORY_CONTEXT,
  aggregateType: PRODUCT_AGGREGATE_TYPE,
  decider: productDecider,
  stateVersion: PRODUCT_STATE_VERSION,
  commandTypes: PRODUCT_COMMAND_TYPES,
  commandIssuers: PRODUCT_COMMAND_ISSUERS,
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
  commandIssuers: ORDER_COMMAND_ISSUERS,
  eventTypes: ORDER_EVENT_TYPES,
  aggregateIdOf: orderAggregateIdOf,
  isCommandType: isOrderCommandType,
  isEventType: isOrderEventType,
});

/** Keyed by the one list of contexts (message.ts): a context without a definition does not compile. */
export const BOUNDED_CONTEXTS = Object.freeze({ orders: ordersContext, inventory: inventoryContext } satisfies Record<
  BoundedContext,
  BoundedContextDefinition<any, any, any>
>);

/** Every command of every context. */
export type DomainCommand = ProductCommand | OrderCommand;
export type DomainCommandType = DomainCommand['type'];

type ClientTypes<T extends Readonly<Record<string, CommandIssuer>>> = { [K in keyof T]: T[K] extends 'client' ? K : never }[keyof T];

/** The command types the outside world issues (through the command API), as declared beside each command. */
export type ClientCommandType = ClientTypes<typeof PRODUCT_COMMAND_ISSUERS> | ClientTypes<typeof ORDER_COMMAND_ISSUERS>;

/** A client command before it has metadata: what the command API builds from a request. */
export type ClientCommandPayload = CommandPayload<Extract<DomainCommand, { type: ClientCommandType }>>;

const CONTEXT_OF_COMMAND_TYPE: ReadonlyMap<string, BoundedContext> = new Map(
  Object.values(BOUNDED_CONTEXTS).flatMap((definition) => definition.commandTypes.map((type: string) => [type, definition.context] as const)),
);

/** The context that decides a command type (each type belongs to exactly one). */
export function contextOfCommandType(type: DomainCommandType): BoundedContext {
  return CONTEXT_OF_COMMAND_TYPE.get(type)!;
}

export const CLIENT_COMMAND_TYPES: readonly ClientCommandType[] = Object.freeze(
  Object.values(BOUNDED_CONTEXTS).flatMap((definition) =>
    (definition.commandTypes as string[]).filter((type) => (definition.commandIssuers as Record<string, CommandIssuer>)[type] === 'client'),
  ) as ClientCommandType[],
);
