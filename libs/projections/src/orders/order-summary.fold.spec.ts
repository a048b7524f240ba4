import { foldSpecification, stored } from '../runtime/fold-specification';
import { MissingRowError } from '../runtime/projection-fold';
import { orderSummaryFolds } from './order-summary.fold';

const spec = foldSpecification(orderSummaryFolds);
const lines = [
  { sku: 'a', quantity: 2, unitPriceCents: 150 },
  { sku: 'b', quantity: 1, unitPriceCents: 1000 },
];
const placed = stored('OrderPlaced', 'o1', 1, { orderId: 'o1', customerId: 'c1', lines, totalCents: 1300 });

describe('order summary fold', () => {
  it('creates a PENDING order with its lines and total when the order is placed', () => {
    spec.given([]).when(placed).then({
      orderId: 'o1',
      customerId: 'c1',
      status: 'PENDING',
      totalCents: 1300,
      rejectionReason: null,
      createdAt: placed.occurredAt,
      updatedAt: placed.occurredAt,
      version: 1,
      lines,
    });
  });

  it('confirms the order and moves its version and updatedAt', () => {
    const reserved = stored('OrderLineReserved', 'o1', 2, { orderId: 'o1', sku: 'a', quantity: 2 });
    const confirmed = stored('OrderConfirmed', 'o1', 3, { orderId: 'o1' });
    spec
      .given([placed, reserved])
      .when(confirmed)
      .then(expect.objectContaining({ status: 'CONFIRMED', version: 3, updatedAt: confirmed.occurredAt, createdAt: placed.occurredAt }));
  });

  it('records the reason when the order is rejected', () => {
    const rejected = stored('OrderRejected', 'o1', 2, { orderId: 'o1', reason: 'insufficient stock for b', rejectedSkus: ['b'], reservedSkus: [] });
    spec
      .given([placed])
      .when(rejected)
      .then(expect.objectContaining({ status: 'REJECTED', rejectionReason: 'insufficient stock for b' }));
  });

  it('marks a confirmed order shipped, and a pending one cancelled', () => {
    const confirmed = stored('OrderConfirmed', 'o1', 2, { orderId: 'o1' });
    spec
      .given([placed, confirmed])
      .when(stored('OrderShipped', 'o1', 3, { orderId: 'o1', lines }))
      .then(expect.objectContaining({ status: 'SHIPPED', version: 3 }));
    spec
      .given([placed])
      .when(stored('OrderCancelled', 'o1', 2, { orderId: 'o1', reason: null, previousStatus: 'PENDING', reservedSkus: [], lines }))
      .then(expect.objectContaining({ status: 'CANCELLED', version: 2 }));
  });

  it('ignores an event it has already applied (version at or below the row`s)', () => {
    const confirmed = stored('OrderConfirmed', 'o1', 2, { orderId: 'o1' });
    const state = orderSummaryFolds.OrderConfirmed(orderSummaryFolds.OrderPlaced(undefined, placed), confirmed);
    expect(orderSummaryFolds.OrderConfirmed(state, confirmed)).toBeUndefined();
    expect(orderSummaryFolds.OrderPlaced(state, placed)).toBeUndefined();
  });

  it('refuses an event for an order it has never seen (poison)', () => {
    spec
      .given([])
      .when(stored('OrderConfirmed', 'o9', 2, { orderId: 'o9' }))
      .thenThrows(MissingRowError);
  });
});
