import { describe, expect, it } from '@jest/globals';
import {
  BOUNDED_CONTEXT_NAMES,
  BOUNDED_CONTEXTS,
  CLIENT_COMMAND_TYPES,
  contextOfCommandType,
  EVENT_SCHEMA_VERSIONS,
  ORDER_COMMAND_TYPES,
  ORDER_EVENT_TYPES,
  orderAggregateIdOf,
  orderDecider,
  PRODUCT_COMMAND_TYPES,
  PRODUCT_EVENT_TYPES,
  productAggregateIdOf,
  productDecider,
} from './index';

describe('the public catalogue of @es/domain', () => {
  it('lists the command and event types of each context', () => {
    expect(PRODUCT_COMMAND_TYPES).toEqual(['RegisterProduct', 'RenameProduct', 'ReceiveStock', 'ReserveStock', 'ReleaseStock', 'CommitStock']);
    expect(PRODUCT_EVENT_TYPES).toEqual([
      'ProductRegistered',
      'ProductRenamed',
      'StockReceived',
      'StockReserved',
      'StockReservationRejected',
      'StockReleased',
      'StockCommitted',
    ]);
    expect(ORDER_COMMAND_TYPES).toEqual(['PlaceOrder', 'RecordLineReservation', 'ConfirmOrder', 'RejectOrder', 'CancelOrder', 'ShipOrder']);
    expect(ORDER_EVENT_TYPES).toEqual([
      'OrderPlaced',
      'OrderLineReserved',
      'OrderLineRejected',
      'OrderConfirmed',
      'OrderRejected',
      'OrderCancelled',
      'OrderShipped',
    ]);
  });

  it('writes OrderPlaced with schema version 2 and every other event with 1', () => {
    const all = [...PRODUCT_EVENT_TYPES, ...ORDER_EVENT_TYPES];
    expect(Object.keys(EVENT_SCHEMA_VERSIONS).sort()).toEqual([...all].sort());
    for (const type of all) {
      expect(EVENT_SCHEMA_VERSIONS[type]).toBe(type === 'OrderPlaced' ? 2 : 1);
    }
  });

  it('keys a product command by sku and an order command by order id', () => {
    expect(productAggregateIdOf({ data: { sku: 'SKU-1', orderId: 'o-1', quantity: 1 } })).toBe('SKU-1');
    expect(orderAggregateIdOf({ data: { orderId: 'o-1', sku: 'SKU-1', outcome: 'RESERVED' } })).toBe('o-1');
    expect(BOUNDED_CONTEXTS.inventory.aggregateIdOf({ data: { sku: 'SKU-2', orderId: 'o-2' } })).toBe('SKU-2');
    expect(BOUNDED_CONTEXTS.orders.aggregateIdOf({ data: { orderId: 'o-3' } })).toBe('o-3');
  });

  it('describes each context with its aggregate type, decider and type guards', () => {
    expect(BOUNDED_CONTEXTS.inventory).toMatchObject({
      context: 'inventory',
      aggregateType: 'Product',
      decider: productDecider,
    });
    expect(BOUNDED_CONTEXTS.orders).toMatchObject({ context: 'orders', aggregateType: 'Order', decider: orderDecider });
    expect(BOUNDED_CONTEXTS.orders.isCommandType('ShipOrder')).toBe(true);
    expect(BOUNDED_CONTEXTS.orders.isCommandType('ReserveStock')).toBe(false);
    expect(BOUNDED_CONTEXTS.inventory.isEventType('StockReserved')).toBe(true);
    expect(BOUNDED_CONTEXTS.inventory.isEventType('toString')).toBe(false);
  });

  it('keys the context definitions by the one list of contexts and finds the context of every command type', () => {
    expect(Object.keys(BOUNDED_CONTEXTS).sort()).toEqual([...BOUNDED_CONTEXT_NAMES].sort());
    for (const type of PRODUCT_COMMAND_TYPES) expect(contextOfCommandType(type)).toBe('inventory');
    for (const type of ORDER_COMMAND_TYPES) expect(contextOfCommandType(type)).toBe('orders');
  });

  it('tells the commands clients issue from those only the fulfillment process sends', () => {
    expect(CLIENT_COMMAND_TYPES).toEqual(expect.arrayContaining(['RegisterProduct', 'ReceiveStock', 'PlaceOrder', 'CancelOrder', 'ShipOrder']));
    for (const type of ['ReserveStock', 'ReleaseStock', 'CommitStock', 'RecordLineReservation', 'ConfirmOrder', 'RejectOrder']) {
      expect(CLIENT_COMMAND_TYPES).not.toContain(type);
    }
  });
});
