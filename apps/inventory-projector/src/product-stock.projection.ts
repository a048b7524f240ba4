import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { FoldInput, RethrowFoldErrorsFilter, productStockFolds } from '@es/projections';
import type { ProductStockRow } from '@es/read-models';

type Input = FoldInput<ProductStockRow>;

/**
 * The inventory projection: the events it applies, each a pure fold step run by the projector
 * transport inside the batch transaction (libs/projections/src/inventory/product-stock.fold.ts).
 */
// A fold error is the dead letter's diagnosis: keep it instead of Nest's generic RPC error.
@UseFilters(RethrowFoldErrorsFilter)
@Controller()
export class ProductStockProjection {
  @EventPattern('ProductRegistered')
  productRegistered(@Payload() { state, event }: Input) {
    return productStockFolds.ProductRegistered(state, event);
  }

  @EventPattern('StockReceived')
  stockReceived(@Payload() { state, event }: Input) {
    return productStockFolds.StockReceived(state, event);
  }

  @EventPattern('StockReserved')
  stockReserved(@Payload() { state, event }: Input) {
    return productStockFolds.StockReserved(state, event);
  }

  @EventPattern('StockReservationRejected')
  stockReservationRejected(@Payload() { state, event }: Input) {
    return productStockFolds.StockReservationRejected(state, event);
  }

  @EventPattern('StockReleased')
  stockReleased(@Payload() { state, event }: Input) {
    return productStockFolds.StockReleased(state, event);
  }

  @EventPattern('StockCommitted')
  stockCommitted(@Payload() { state, event }: Input) {
    return productStockFolds.StockCommitted(state, event);
  }
}
