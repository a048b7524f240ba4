import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { FoldInput, RethrowFoldErrorsFilter, orderSummaryFolds } from '@es/projections';
import type { OrderSummaryRow } from '@es/read-models';

type Input = FoldInput<OrderSummaryRow>;

/**
 * The orders projection: the events it applies, each a pure fold step run by the projector
 * transport inside the batch transaction (libs/projections/src/orders/order-summary.fold.ts).
 */
// A fold error is the dead letter's diagnosis: keep it instead of Nest's generic RPC error.
@UseFilters(RethrowFoldErrorsFilter)
@Controller()
export class OrderSummaryProjection {
  @EventPattern('OrderPlaced')
  orderPlaced(@Payload() { state, event }: Input) {
    return orderSummaryFolds.OrderPlaced(state, event);
  }

  @EventPattern('OrderLineReserved')
  orderLineReserved(@Payload() { state, event }: Input) {
    return orderSummaryFolds.OrderLineReserved(state, event);
  }

  @EventPattern('OrderLineRejected')
  orderLineRejected(@Payload() { state, event }: Input) {
    return orderSummaryFolds.OrderLineRejected(state, event);
  }

  @EventPattern('OrderConfirmed')
  orderConfirmed(@Payload() { state, event }: Input) {
    return orderSummaryFolds.OrderConfirmed(state, event);
  }

  @EventPattern('OrderRejected')
  orderRejected(@Payload() { state, event }: Input) {
    return orderSummaryFolds.OrderRejected(state, event);
  }

  @EventPattern('OrderCancelled')
  orderCancelled(@Payload() { state, event }: Input) {
    return orderSummaryFolds.OrderCancelled(state, event);
  }

  @EventPattern('OrderShipped')
  orderShipped(@Payload() { state, event }: Input) {
    return orderSummaryFolds.OrderShipped(state, event);
  }
}
