import { ORDER_EVENT_TYPES, PRODUCT_EVENT_TYPES, type ProductEvent } from '@es/domain';
import { PROJECTIONS, productStockStore, type ProductStockRow } from '@es/read-models';
import { orderSummaryProjection } from '../orders/order-summary.fold';
import { productStockFolds, productStockProjection } from '../inventory/product-stock.fold';
import { foldSpecification, stored } from './fold-specification';
import { ignore, UnhandledEventTypeError } from './projection-fold';
import { defineProjection, projectionSpec } from './projection-spec';

describe('projection definitions', () => {
  it('fold every event type of their context, and nothing else', () => {
    expect(Object.keys(productStockProjection.folds).sort()).toEqual([...PRODUCT_EVENT_TYPES].sort());
    expect(Object.keys(orderSummaryProjection.folds).sort()).toEqual([...ORDER_EVENT_TYPES].sort());
    expect(productStockProjection.info).toBe(PROJECTIONS.inventory);
    expect(orderSummaryProjection.info).toBe(PROJECTIONS.orders);
  });

  it('become the runtime spec with the validated projector settings', () => {
    const spec = projectionSpec(productStockProjection, { deadLetterPolicy: 'skip', maxAttempts: 2 });
    expect(spec).toMatchObject({ info: PROJECTIONS.inventory, store: productStockStore, deadLetterPolicy: 'skip', maxAttempts: 2 });
    expect([...spec.folds.keys()].sort()).toEqual([...PRODUCT_EVENT_TYPES].sort());
  });

  it('refuse, at compile time, a fold table that misses an event type', () => {
    const { StockCommitted: _left, ...missingOne } = productStockFolds;
    defineProjection<ProductEvent, ProductStockRow>({
      info: PROJECTIONS.inventory,
      store: productStockStore,
      // @ts-expect-error StockCommitted has no fold (and is not declared `ignore`)
      folds: missingOne,
    });
  });
});

describe('a fold table', () => {
  const registered = stored('ProductRegistered', 'p1', 1, { sku: 'p1', name: 'Widget' });

  it('treats an event type it does not name as an error, not as nothing to do', () => {
    const spec = foldSpecification(productStockFolds);
    spec
      .given([registered])
      .when(stored('ProductTeleported', 'p1', 2, {}))
      .thenThrows(UnhandledEventTypeError);
  });

  it('leaves the row as it is for a type declared `ignore`', () => {
    const spec = foldSpecification({ ...productStockFolds, StockReceived: ignore });
    spec
      .given([registered])
      .when(stored('StockReceived', 'p1', 2, { sku: 'p1', quantity: 5 }))
      .then({ sku: 'p1', name: 'Widget', onHand: 0, reserved: 0, version: 1 });
  });
});
