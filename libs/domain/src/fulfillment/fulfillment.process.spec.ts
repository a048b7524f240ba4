import { describe, expect, it } from '@jest/globals';
import type { OrderLine } from '../orders/order.commands';
import { FULFILLMENT_SUBSCRIBED_EVENT_TYPES, FULFILLMENT_SUBSCRIPTIONS, fulfillmentReactions, type ObservedEvent } from './fulfillment.process';

const ORDER = 'order-1';
const LINES: OrderLine[] = [
  { sku: 'SKU-1', quantity: 2, unitPriceCents: 500 },
  { sku: 'SKU-2', quantity: 1, unitPriceCents: 1250 },
];

const observed = (type: string, data: unknown, aggregateId = ORDER, version = 1): ObservedEvent => ({
  type,
  data,
  aggregateId,
  version,
});

describe('fulfillmentReactions', () => {
  it('reserves stock for every line of a placed order, one command per product', () => {
    const reactions = fulfillmentReactions(observed('OrderPlaced', { orderId: ORDER, customerId: 'c', lines: LINES, totalCents: 2250 }));
    expect(reactions).toEqual([
      {
        context: 'inventory',
        aggregateId: 'SKU-1',
        commandId: 'order-1:reserve:SKU-1',
        command: { type: 'ReserveStock', data: { sku: 'SKU-1', orderId: ORDER, quantity: 2 } },
      },
      {
        context: 'inventory',
        aggregateId: 'SKU-2',
        commandId: 'order-1:reserve:SKU-2',
        command: { type: 'ReserveStock', data: { sku: 'SKU-2', orderId: ORDER, quantity: 1 } },
      },
    ]);
  });

  it('records a reserved line on the order', () => {
    expect(fulfillmentReactions(observed('StockReserved', { sku: 'SKU-1', orderId: ORDER, quantity: 2 }, 'SKU-1', 7))).toEqual([
      {
        context: 'orders',
        aggregateId: ORDER,
        commandId: 'order-1:line:SKU-1',
        command: { type: 'RecordLineReservation', data: { orderId: ORDER, sku: 'SKU-1', outcome: 'RESERVED' } },
      },
    ]);
  });

  it('records a rejected line on the order with the reason inventory gave', () => {
    expect(
      fulfillmentReactions(
        observed('StockReservationRejected', { sku: 'SKU-2', orderId: ORDER, quantity: 1, reason: 'INSUFFICIENT_STOCK', available: 0 }, 'SKU-2', 3),
      ),
    ).toEqual([
      {
        context: 'orders',
        aggregateId: ORDER,
        commandId: 'order-1:line:SKU-2',
        command: {
          type: 'RecordLineReservation',
          data: { orderId: ORDER, sku: 'SKU-2', outcome: 'REJECTED', reason: 'INSUFFICIENT_STOCK' },
        },
      },
    ]);
  });

  it('releases the reserved lines of a rejected order, and only those', () => {
    expect(
      fulfillmentReactions(
        observed('OrderRejected', {
          orderId: ORDER,
          reason: 'stock not reserved for SKU-2 (INSUFFICIENT_STOCK)',
          rejectedSkus: ['SKU-2'],
          reservedSkus: ['SKU-1'],
          pendingSkus: [],
        }),
      ),
    ).toEqual([
      {
        context: 'inventory',
        aggregateId: 'SKU-1',
        commandId: 'order-1:release:SKU-1',
        command: { type: 'ReleaseStock', data: { sku: 'SKU-1', orderId: ORDER } },
      },
    ]);
  });

  it('also releases lines still pending when an order was rejected explicitly', () => {
    const reactions = fulfillmentReactions(
      observed('OrderRejected', {
        orderId: ORDER,
        reason: 'payment declined',
        rejectedSkus: [],
        reservedSkus: ['SKU-1'],
        pendingSkus: ['SKU-2'],
      }),
    );
    expect(reactions.map((r) => r.commandId)).toEqual(['order-1:release:SKU-1', 'order-1:release:SKU-2']);
  });

  it('treats an OrderRejected without pendingSkus as having none', () => {
    const reactions = fulfillmentReactions(observed('OrderRejected', { orderId: ORDER, reason: 'r', rejectedSkus: ['SKU-2'], reservedSkus: ['SKU-1'] }));
    expect(reactions.map((r) => r.commandId)).toEqual(['order-1:release:SKU-1']);
  });

  it('releases nothing when a rejected order had no reservation', () => {
    expect(
      fulfillmentReactions(
        observed('OrderRejected', {
          orderId: ORDER,
          reason: 'r',
          rejectedSkus: ['SKU-1', 'SKU-2'],
          reservedSkus: [],
          pendingSkus: [],
        }),
      ),
    ).toEqual([]);
  });

  it('releases every line of a cancelled order, not only the reserved ones', () => {
    expect(
      fulfillmentReactions(
        observed('OrderCancelled', {
          orderId: ORDER,
          reason: null,
          previousStatus: 'PENDING',
          reservedSkus: ['SKU-1'],
          lines: LINES,
        }),
      ),
    ).toEqual([
      {
        context: 'inventory',
        aggregateId: 'SKU-1',
        commandId: 'order-1:cancel-release:SKU-1',
        command: { type: 'ReleaseStock', data: { sku: 'SKU-1', orderId: ORDER } },
      },
      {
        context: 'inventory',
        aggregateId: 'SKU-2',
        commandId: 'order-1:cancel-release:SKU-2',
        command: { type: 'ReleaseStock', data: { sku: 'SKU-2', orderId: ORDER } },
      },
    ]);
  });

  it('commits the stock of every line of a shipped order', () => {
    expect(fulfillmentReactions(observed('OrderShipped', { orderId: ORDER, lines: LINES }))).toEqual([
      {
        context: 'inventory',
        aggregateId: 'SKU-1',
        commandId: 'order-1:commit:SKU-1',
        command: { type: 'CommitStock', data: { sku: 'SKU-1', orderId: ORDER } },
      },
      {
        context: 'inventory',
        aggregateId: 'SKU-2',
        commandId: 'order-1:commit:SKU-2',
        command: { type: 'CommitStock', data: { sku: 'SKU-2', orderId: ORDER } },
      },
    ]);
  });

  it('plans the same command ids when the same event is delivered again', () => {
    const event = observed('OrderPlaced', { orderId: ORDER, customerId: 'c', lines: LINES, totalCents: 2250 });
    expect(fulfillmentReactions(event)).toEqual(fulfillmentReactions(event));
  });

  it('uses different command ids for a release after a reject and after a cancel', () => {
    const afterReject = fulfillmentReactions(
      observed('OrderRejected', { orderId: ORDER, reason: 'r', rejectedSkus: [], reservedSkus: ['SKU-1'], pendingSkus: [] }),
    );
    const afterCancel = fulfillmentReactions(
      observed('OrderCancelled', {
        orderId: ORDER,
        reason: null,
        previousStatus: 'PENDING',
        reservedSkus: ['SKU-1'],
        lines: [LINES[0]],
      }),
    );
    expect(afterReject[0]?.commandId).not.toEqual(afterCancel[0]?.commandId);
  });

  it.each([
    ['ProductRegistered', { sku: 'SKU-1', name: 'n' }],
    ['StockReceived', { sku: 'SKU-1', quantity: 1 }],
    ['StockReleased', { sku: 'SKU-1', orderId: ORDER, quantity: 1 }],
    ['StockCommitted', { sku: 'SKU-1', orderId: ORDER, quantity: 1 }],
    ['OrderLineReserved', { orderId: ORDER, sku: 'SKU-1', quantity: 1 }],
    ['OrderLineRejected', { orderId: ORDER, sku: 'SKU-1', reason: 'r' }],
    ['OrderConfirmed', { orderId: ORDER }],
    ['SomethingElse', {}],
  ])('does nothing on %s', (type, data) => {
    expect(fulfillmentReactions(observed(type, data))).toEqual([]);
  });

  it('subscribes to exactly the events it reacts to, per context', () => {
    expect([...FULFILLMENT_SUBSCRIBED_EVENT_TYPES].sort()).toEqual([
      'OrderCancelled',
      'OrderPlaced',
      'OrderRejected',
      'OrderShipped',
      'StockReservationRejected',
      'StockReserved',
    ]);
    expect(FULFILLMENT_SUBSCRIPTIONS.inventory).toEqual(['StockReserved', 'StockReservationRejected']);
    expect(FULFILLMENT_SUBSCRIPTIONS.orders).toEqual(['OrderPlaced', 'OrderRejected', 'OrderCancelled', 'OrderShipped']);
  });
});
