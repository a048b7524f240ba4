import { foldSpecification, stored } from '../runtime/fold-specification';
import { MissingRowError } from '../runtime/projection-fold';
import { productStockFolds } from './product-stock.fold';

const spec = foldSpecification(productStockFolds);
const registered = stored('ProductRegistered', 'p1', 1, { sku: 'p1', name: 'Widget' });
const received = stored('StockReceived', 'p1', 2, { sku: 'p1', quantity: 10 });

describe('product stock fold', () => {
  it('registers a product with no stock', () => {
    spec.given([]).when(registered).then({ sku: 'p1', name: 'Widget', onHand: 0, reserved: 0, version: 1 });
  });

  it('raises on-hand when stock is received', () => {
    spec.given([registered]).when(received).then({ sku: 'p1', name: 'Widget', onHand: 10, reserved: 0, version: 2 });
  });

  it('raises reserved on a reservation and lowers it on a release', () => {
    const reserved = stored('StockReserved', 'p1', 3, { sku: 'p1', orderId: 'o1', quantity: 4 });
    spec
      .given([registered, received])
      .when(reserved)
      .then(expect.objectContaining({ onHand: 10, reserved: 4, version: 3 }));
    spec
      .given([registered, received, reserved])
      .when(stored('StockReleased', 'p1', 4, { sku: 'p1', orderId: 'o1', quantity: 4 }))
      .then(expect.objectContaining({ onHand: 10, reserved: 0, version: 4 }));
  });

  it('lowers both on-hand and reserved when reserved stock is committed (shipped)', () => {
    const reserved = stored('StockReserved', 'p1', 3, { sku: 'p1', orderId: 'o1', quantity: 4 });
    spec
      .given([registered, received, reserved])
      .when(stored('StockCommitted', 'p1', 4, { sku: 'p1', orderId: 'o1', quantity: 4 }))
      .then(expect.objectContaining({ onHand: 6, reserved: 0, version: 4 }));
  });

  it('only moves the version on a rejected reservation, and ignores one for an unregistered sku', () => {
    const rejected = stored('StockReservationRejected', 'p1', 3, { sku: 'p1', orderId: 'o1', quantity: 99, reason: 'INSUFFICIENT_STOCK', available: 10 });
    spec.given([registered, received]).when(rejected).then({ sku: 'p1', name: 'Widget', onHand: 10, reserved: 0, version: 3 });
    expect(
      productStockFolds.StockReservationRejected(
        undefined,
        stored('StockReservationRejected', 'nope', 1, { sku: 'nope', orderId: 'o1', quantity: 1, reason: 'UNKNOWN_PRODUCT', available: 0 }),
      ),
    ).toBeUndefined();
  });

  it('ignores a duplicate delivery', () => {
    const state = productStockFolds.StockReceived(productStockFolds.ProductRegistered(undefined, registered), received);
    expect(productStockFolds.StockReceived(state, received)).toBeUndefined();
  });

  it('takes the new name of a renamed product and keeps its stock', () => {
    spec
      .given([registered, received])
      .when(stored('ProductRenamed', 'p1', 3, { sku: 'p1', name: 'Gadget' }))
      .then({ sku: 'p1', name: 'Gadget', onHand: 10, reserved: 0, version: 3 });
  });

  it('refuses stock for a product it has never seen (poison)', () => {
    spec
      .given([])
      .when(stored('StockReceived', 'ghost', 1, { sku: 'ghost', quantity: 1 }))
      .thenThrows(MissingRowError);
  });
});
