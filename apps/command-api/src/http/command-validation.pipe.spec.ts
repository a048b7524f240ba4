import type { ArgumentMetadata, Type } from '@nestjs/common';
import { ValidationError } from '@es/domain';
import { ReceiveStockDto } from '../inventory/dto/receive-stock.dto';
import { RegisterProductDto } from '../inventory/dto/register-product.dto';
import { SkuParamDto } from '../inventory/dto/sku-param.dto';
import { CancelOrderDto } from '../orders/dto/cancel-order.dto';
import { OrderIdParamDto } from '../orders/dto/order-id-param.dto';
import { PlaceOrderDto } from '../orders/dto/place-order.dto';
import { ShipOrderDto } from '../orders/dto/ship-order.dto';
import { CommandValidationPipe } from './command-validation.pipe';

const pipe = new CommandValidationPipe();
const ORDER_ID = '3f0e4a5c-8d2b-4c1e-9a7f-0b6d2e8c4a11';
const line = (sku: string, extra: Record<string, unknown> = {}) => ({ sku, quantity: 1, unitPriceCents: 100, ...extra });
const order = (extra: Record<string, unknown> = {}) => ({ customerId: 'c-1', lines: [line('A')], ...extra });

const nested = (levels: number): unknown => {
  let value: unknown = {};
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

const body = (metatype: Type): ArgumentMetadata => ({ type: 'body', metatype });
const param = (metatype: Type): ArgumentMetadata => ({ type: 'param', metatype });

async function fieldErrors(value: unknown, metadata: ArgumentMetadata) {
  try {
    await pipe.transform(value, metadata);
  } catch (error) {
    if (error instanceof ValidationError) return error.errors;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('CommandValidationPipe', () => {
  describe('accepts', () => {
    it.each<[string, unknown, ArgumentMetadata]>([
      ['a product registration', { sku: 'SKU-1', name: 'Cup' }, body(RegisterProductDto)],
      ['a sku of 64 characters using every allowed symbol', { sku: `a._-${'9'.repeat(60)}`, name: 'x' }, body(RegisterProductDto)],
      ['a name of 200 characters', { sku: 'S', name: 'n'.repeat(200) }, body(RegisterProductDto)],
      ['the smallest quantity', { quantity: 1 }, body(ReceiveStockDto)],
      ['the largest quantity', { quantity: 1_000_000 }, body(ReceiveStockDto)],
      ['an order without orderId', order(), body(PlaceOrderDto)],
      ['an order with orderId', order({ orderId: ORDER_ID }), body(PlaceOrderDto)],
      ['an order with 100 distinct lines', order({ lines: Array.from({ length: 100 }, (_, i) => line(`S${i}`)) }), body(PlaceOrderDto)],
      [
        'a free line (price 0) and the highest price',
        order({ lines: [line('A', { unitPriceCents: 0 }), line('B', { unitPriceCents: 100_000_000 })] }),
        body(PlaceOrderDto),
      ],
      ['a cancel without reason', {}, body(CancelOrderDto)],
      ['a cancel with a null reason', { reason: null }, body(CancelOrderDto)],
      ['a ship with an empty object', {}, body(ShipOrderDto)],
      ['a ship without body', undefined, body(ShipOrderDto)],
      ['a UUID path orderId', { orderId: ORDER_ID }, param(OrderIdParamDto)],
      ['a valid path sku', { sku: 'SKU-1' }, param(SkuParamDto)],
      ['control characters PostgreSQL stores (tab, newline) and an emoji in a name', { sku: 'S', name: 'Cup\tof\n\uD83D\uDE00' }, body(RegisterProductDto)],
    ])('%s', async (_what, value, metadata) => {
      await expect(pipe.transform(value, metadata)).resolves.toBeDefined();
    });

    it('lowercases an uppercase orderId so that one order has one key', async () => {
      const dto = (await pipe.transform(order({ orderId: ORDER_ID.toUpperCase() }), body(PlaceOrderDto))) as PlaceOrderDto;
      expect(dto.orderId).toBe(ORDER_ID);
    });
  });

  describe('refuses, naming the field', () => {
    it.each<[string, unknown, ArgumentMetadata, string]>([
      ['a missing sku', { name: 'Cup' }, body(RegisterProductDto), 'sku'],
      ['a sku starting with a dash', { sku: '-A', name: 'Cup' }, body(RegisterProductDto), 'sku'],
      ['a sku of 65 characters', { sku: 'a'.repeat(65), name: 'Cup' }, body(RegisterProductDto), 'sku'],
      ['a sku with a space', { sku: 'A B', name: 'Cup' }, body(RegisterProductDto), 'sku'],
      ['a numeric sku', { sku: 12, name: 'Cup' }, body(RegisterProductDto), 'sku'],
      ['an empty name', { sku: 'A', name: '' }, body(RegisterProductDto), 'name'],
      ['a name of 201 characters', { sku: 'A', name: 'n'.repeat(201) }, body(RegisterProductDto), 'name'],
      ['an unknown field', { sku: 'A', name: 'Cup', price: 3 }, body(RegisterProductDto), 'price'],
      ['quantity 0', { quantity: 0 }, body(ReceiveStockDto), 'quantity'],
      ['quantity 1,000,001', { quantity: 1_000_001 }, body(ReceiveStockDto), 'quantity'],
      ['a non-integer quantity', { quantity: 1.5 }, body(ReceiveStockDto), 'quantity'],
      ['a quantity given as a string', { quantity: '5' }, body(ReceiveStockDto), 'quantity'],
      ['a body that is an array', [{ quantity: 1 }], body(ReceiveStockDto), 'body'],
      ['a body that is a string', 'quantity', body(ReceiveStockDto), 'body'],
      ['an array as ship body', [], body(ShipOrderDto), 'body'],
      ['a field in the ship body', { force: true }, body(ShipOrderDto), 'force'],
      ['a non-string cancel reason', { reason: 5 }, body(CancelOrderDto), 'reason'],
      ['an order without body', undefined, body(PlaceOrderDto), 'customerId'],
      ['a non-UUID orderId', order({ orderId: 'order-1' }), body(PlaceOrderDto), 'orderId'],
      ['an empty customerId', order({ customerId: '' }), body(PlaceOrderDto), 'customerId'],
      ['a customerId of 65 characters', order({ customerId: 'c'.repeat(65) }), body(PlaceOrderDto), 'customerId'],
      ['no lines', order({ lines: [] }), body(PlaceOrderDto), 'lines'],
      ['101 lines', order({ lines: Array.from({ length: 101 }, (_, i) => line(`S${i}`)) }), body(PlaceOrderDto), 'lines'],
      ['lines that are not an array', order({ lines: { sku: 'A' } }), body(PlaceOrderDto), 'lines'],
      ['a line that is not an object', order({ lines: [line('A'), 7] }), body(PlaceOrderDto), 'lines[1]'],
      ['a bad sku in the second line', order({ lines: [line('A'), line('B C')] }), body(PlaceOrderDto), 'lines[1].sku'],
      ['a zero quantity in a line', order({ lines: [line('A', { quantity: 0 })] }), body(PlaceOrderDto), 'lines[0].quantity'],
      ['a non-integer price', order({ lines: [line('A', { unitPriceCents: 9.99 })] }), body(PlaceOrderDto), 'lines[0].unitPriceCents'],
      ['a negative price', order({ lines: [line('A', { unitPriceCents: -1 })] }), body(PlaceOrderDto), 'lines[0].unitPriceCents'],
      ['a price above 100,000,000', order({ lines: [line('A', { unitPriceCents: 100_000_001 })] }), body(PlaceOrderDto), 'lines[0].unitPriceCents'],
      ['an unknown field in a line', order({ lines: [line('A', { discount: 1 })] }), body(PlaceOrderDto), 'lines[0].discount'],
      ['a sku twice among the lines', order({ lines: [line('A'), line('B'), line('A')] }), body(PlaceOrderDto), 'lines[2].sku'],
      ['a non-UUID path orderId', { orderId: '42' }, param(OrderIdParamDto), 'orderId'],
      ['a bad path sku', { sku: '.hidden' }, param(SkuParamDto), 'sku'],
      ['a NUL in customerId', order({ customerId: 'a\u0000b' }), body(PlaceOrderDto), 'customerId'],
      ['a NUL in a product name', { sku: 'A', name: 'Cup\u0000' }, body(RegisterProductDto), 'name'],
      ['an unpaired surrogate in a product name', { sku: 'A', name: 'Cup \uD800' }, body(RegisterProductDto), 'name'],
      ['a NUL in a line sku', order({ lines: [line('A'), line('B\u0000')] }), body(PlaceOrderDto), 'lines[1].sku'],
      ['a NUL in a cancel reason', { reason: 'x\u0000' }, body(CancelOrderDto), 'reason'],
      ['a NUL in a path sku', { sku: 'A\u0000' }, param(SkuParamDto), 'sku'],
      ['a __proto__ field', JSON.parse('{"sku":"A","name":"Cup","__proto__":{"admin":true}}'), body(RegisterProductDto), '__proto__'],
      [
        'a constructor field in a line',
        order({ lines: [JSON.parse('{"sku":"A","quantity":1,"unitPriceCents":1,"constructor":{}}')] }),
        body(PlaceOrderDto),
        'lines[0].constructor',
      ],
      ['a prototype field', { quantity: 1, prototype: {} }, body(ReceiveStockDto), 'prototype'],
      ['a body nested 5,000 levels deep', { quantity: 1, deep: nested(5000) }, body(ReceiveStockDto), 'body'],
    ])('%s', async (_what, value, metadata, field) => {
      const errors = await fieldErrors(value, metadata);
      expect(errors.map((e) => e.field)).toContain(field);
      expect(errors.every((e) => e.message.length > 0)).toBe(true);
    });
  });

  it('reports one message per broken field, without repeating the property name', async () => {
    expect(await fieldErrors({ quantity: 'many' }, body(ReceiveStockDto))).toEqual([{ field: 'quantity', message: 'must be an integer from 1 to 1000000' }]);
  });

  it('names the duplicate line and the line it repeats', async () => {
    expect(await fieldErrors(order({ lines: [line('A'), line('A')] }), body(PlaceOrderDto))).toEqual([
      { field: 'lines[1].sku', message: 'duplicates lines[0].sku (A)' },
    ]);
  });

  it('reports every broken field of a body at once, nested ones with their path', async () => {
    const errors = await fieldErrors(
      { customerId: '', lines: [line('A'), { sku: 'B', quantity: 0, unitPriceCents: 1, extra: true }], coupon: 'X' },
      body(PlaceOrderDto),
    );
    expect(errors.map((e) => e.field).sort()).toEqual(['coupon', 'customerId', 'lines[1].extra', 'lines[1].quantity']);
    expect(errors.find((e) => e.field === 'coupon')?.message).toBe('is not an allowed field');
  });
});
