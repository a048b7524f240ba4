import type { Command, CommandIssuer } from '../shared/message';

export const ORDERS_CONTEXT = 'orders';
export const ORDER_AGGREGATE_TYPE = 'Order';

export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export type LineReservationOutcome = 'RESERVED' | 'REJECTED';

/** Contract bound (docs/api.md): an order has 1–100 lines. */
export const MAX_ORDER_LINES = 100;

export type PlaceOrder = Command<'PlaceOrder', { readonly orderId: string; readonly customerId: string; readonly lines: readonly OrderLine[] }>;

/** Sent by the fulfillment process when inventory has answered for one line. */
export type RecordLineReservation = Command<
  'RecordLineReservation',
  {
    readonly orderId: string;
    readonly sku: string;
    readonly outcome: LineReservationOutcome;
    readonly reason?: string;
  }
>;

export type ConfirmOrder = Command<'ConfirmOrder', { readonly orderId: string }>;

export type RejectOrder = Command<'RejectOrder', { readonly orderId: string; readonly reason: string }>;

export type CancelOrder = Command<'CancelOrder', { readonly orderId: string; readonly reason?: string }>;

export type ShipOrder = Command<'ShipOrder', { readonly orderId: string }>;

export type OrderCommand = PlaceOrder | RecordLineReservation | ConfirmOrder | RejectOrder | CancelOrder | ShipOrder;

export type OrderCommandType = OrderCommand['type'];

// Keyed by the union: the compiler rejects a table that misses or invents a type. The value says
// who issues the command (a `client` command needs an endpoint in the command API).
export const ORDER_COMMAND_ISSUERS = Object.freeze({
  PlaceOrder: 'client',
  RecordLineReservation: 'process',
  ConfirmOrder: 'process',
  RejectOrder: 'process',
  CancelOrder: 'client',
  ShipOrder: 'client',
} as const satisfies Record<OrderCommandType, CommandIssuer>);

export const ORDER_COMMAND_TYPES = Object.freeze(Object.keys(ORDER_COMMAND_ISSUERS) as OrderCommandType[]);

export function isOrderCommandType(type: string): type is OrderCommandType {
  return Object.prototype.hasOwnProperty.call(ORDER_COMMAND_ISSUERS, type);
}

/** The Order stream is keyed by orderId: commands and events of one order share a partition. */
export function orderAggregateIdOf(command: Pick<OrderCommand, 'data'>): string {
  return command.data.orderId;
}
