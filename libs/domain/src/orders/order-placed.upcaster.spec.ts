import { describe, expect, it } from '@jest/globals';
import { fold } from '../shared/decider';
import { orderDecider } from './order.decider';
import { upcastOrderPlacedV1toV2 } from './order-placed.upcaster';

describe('upcastOrderPlacedV1toV2', () => {
  it('turns decimal unit prices into integer cents and adds the total', () => {
    expect(
      upcastOrderPlacedV1toV2({
        orderId: 'order-1',
        customerId: 'customer-1',
        lines: [
          { sku: 'SKU-1', quantity: 2, unitPrice: 12.5 },
          { sku: 'SKU-2', quantity: 3, unitPrice: 0.29 },
        ],
      }),
    ).toEqual({
      orderId: 'order-1',
      customerId: 'customer-1',
      lines: [
        { sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 },
        { sku: 'SKU-2', quantity: 3, unitPriceCents: 29 },
      ],
      totalCents: 2587,
    });
  });

  it.each([
    [1.005, 101],
    [2.675, 268],
    [0.1 + 0.2, 30],
    [19.999, 2000],
    [0.004, 0],
    [0, 0],
    [100, 10000],
  ])('rounds a price of %p to %p cents as a decimal would', (unitPrice, cents) => {
    const upcast = upcastOrderPlacedV1toV2({
      orderId: 'o',
      customerId: 'c',
      lines: [{ sku: 'S', quantity: 1, unitPrice }],
    });
    expect(upcast.lines[0]?.unitPriceCents).toBe(cents);
    expect(Object.is(upcast.lines[0]?.unitPriceCents, -0)).toBe(false);
  });

  it('computes the total from the rounded prices', () => {
    const upcast = upcastOrderPlacedV1toV2({
      orderId: 'o',
      customerId: 'c',
      lines: [{ sku: 'S', quantity: 3, unitPrice: 0.333 }],
    });
    expect(upcast.totalCents).toBe(99);
  });

  it('keeps only the current fields, so the result is a valid current OrderPlaced', () => {
    const v1 = {
      orderId: 'o',
      customerId: 'c',
      lines: [{ sku: 'S', quantity: 1, unitPrice: 1 }],
    };
    const upcast = upcastOrderPlacedV1toV2(v1);
    expect(Object.keys(upcast.lines[0] ?? {}).sort()).toEqual(['quantity', 'sku', 'unitPriceCents']);
    const state = fold(orderDecider, [{ type: 'OrderPlaced', data: upcast }]);
    expect(state).toMatchObject({ status: 'PENDING', totalCents: 100, version: 1 });
  });

  it('does not modify its input', () => {
    const v1 = Object.freeze({
      orderId: 'o',
      customerId: 'c',
      lines: Object.freeze([Object.freeze({ sku: 'S', quantity: 1, unitPrice: 1 })]),
    });
    expect(() => upcastOrderPlacedV1toV2(v1)).not.toThrow();
    expect(v1.lines[0]).toEqual({ sku: 'S', quantity: 1, unitPrice: 1 });
  });
});
