import type { OrderCancelled, OrderConfirmed, OrderEvent, OrderLineRejected, OrderLineReserved, OrderPlaced, OrderRejected, OrderShipped } from '@es/domain';
import type { StoredEvent } from '@es/event-store';
import { orderSummaryStore, PROJECTIONS, type OrderSummaryRow, type OrderSummaryStatus } from '@es/read-models';
import { MissingRowError, type FoldStep, type FoldTable } from '../runtime/projection-fold';
import { defineProjection } from '../runtime/projection-spec';

type Data<E extends OrderEvent> = E['data'];

export const orderPlaced: FoldStep<OrderSummaryRow, Data<OrderPlaced>> = (state, event) => {
  if (state) return undefined; // already there: a duplicate the version guard would refuse too
  const p = event.payload;
  return {
    orderId: p.orderId,
    customerId: p.customerId,
    status: 'PENDING',
    totalCents: p.totalCents,
    rejectionReason: null,
    createdAt: event.occurredAt,
    updatedAt: event.occurredAt,
    version: event.version,
    lines: p.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
  };
};

/** Line outcomes do not change the summary's fields, but they do move its version and updatedAt. */
export const orderLineReserved: FoldStep<OrderSummaryRow, Data<OrderLineReserved>> = (state, event) => touch(state, event);
export const orderLineRejected: FoldStep<OrderSummaryRow, Data<OrderLineRejected>> = (state, event) => touch(state, event);
export const orderConfirmed: FoldStep<OrderSummaryRow, Data<OrderConfirmed>> = (state, event) => touch(state, event, 'CONFIRMED');
export const orderRejected: FoldStep<OrderSummaryRow, Data<OrderRejected>> = (state, event) => touch(state, event, 'REJECTED', event.payload.reason);
export const orderCancelled: FoldStep<OrderSummaryRow, Data<OrderCancelled>> = (state, event) => touch(state, event, 'CANCELLED');
export const orderShipped: FoldStep<OrderSummaryRow, Data<OrderShipped>> = (state, event) => touch(state, event, 'SHIPPED');

/** Every order event, each with its fold (or `ignore`): a new event without one fails the build. */
export const orderSummaryFolds: FoldTable<OrderEvent, OrderSummaryRow> = {
  OrderPlaced: orderPlaced,
  OrderLineReserved: orderLineReserved,
  OrderLineRejected: orderLineRejected,
  OrderConfirmed: orderConfirmed,
  OrderRejected: orderRejected,
  OrderCancelled: orderCancelled,
  OrderShipped: orderShipped,
};

/** The orders projection, as the orders-projector app and its rebuild CLI run it. */
export const orderSummaryProjection = defineProjection<OrderEvent, OrderSummaryRow>({
  info: PROJECTIONS.orders,
  store: orderSummaryStore,
  folds: orderSummaryFolds,
});

function touch(state: OrderSummaryRow | undefined, event: StoredEvent, status?: OrderSummaryStatus, rejectionReason?: string): OrderSummaryRow | undefined {
  if (!state) throw new MissingRowError(event);
  if (event.version <= state.version) return undefined; // already applied (duplicate delivery)
  return {
    ...state,
    status: status ?? state.status,
    rejectionReason: rejectionReason ?? state.rejectionReason,
    updatedAt: event.occurredAt,
    version: event.version,
  };
}
