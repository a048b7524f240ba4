import { describe, expect, it } from '@jest/globals';
import { fold } from '../shared/decider';
import { ConcurrencyError, ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { commandsOf } from '../testing/command.fixtures';
import { DeciderSpecification } from '../testing/decider-specification';
import type { OrderCommand, OrderLine } from './order.commands';
import { orderDecider } from './order.decider';
import type { OrderEvent } from './order.events';
import type { OrderStatus } from './order.state';

const spec = DeciderSpecification.for(orderDecider);
const command = commandsOf<OrderCommand>();

const ORDER = 'order-1';
const LINES: OrderLine[] = [
  { sku: 'SKU-1', quantity: 2, unitPriceCents: 500 },
  { sku: 'SKU-2', quantity: 1, unitPriceCents: 1250 },
];

const placed: OrderEvent = {
  type: 'OrderPlaced',
  data: { orderId: ORDER, customerId: 'customer-1', lines: LINES, totalCents: 2250 },
};
const lineReserved = (sku: string, quantity: number): OrderEvent => ({
  type: 'OrderLineReserved',
  data: { orderId: ORDER, sku, quantity },
});
const lineRejected = (sku: string, reason: string): OrderEvent => ({
  type: 'OrderLineRejected',
  data: { orderId: ORDER, sku, reason },
});
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId: ORDER } };
const rejected: OrderEvent = {
  type: 'OrderRejected',
  data: {
    orderId: ORDER,
    reason: 'stock not reserved for SKU-2 (INSUFFICIENT_STOCK)',
    rejectedSkus: ['SKU-2'],
    reservedSkus: ['SKU-1'],
    pendingSkus: [],
  },
};
const cancelledWhilePending: OrderEvent = {
  type: 'OrderCancelled',
  data: { orderId: ORDER, reason: null, previousStatus: 'PENDING', reservedSkus: [], lines: LINES },
};
const shipped: OrderEvent = { type: 'OrderShipped', data: { orderId: ORDER, lines: LINES } };

const HISTORY: Record<Exclude<OrderStatus, 'NONE'>, OrderEvent[]> = {
  PENDING: [placed],
  CONFIRMED: [placed, lineReserved('SKU-1', 2), lineReserved('SKU-2', 1), confirmed],
  REJECTED: [placed, lineReserved('SKU-1', 2), lineRejected('SKU-2', 'INSUFFICIENT_STOCK'), rejected],
  CANCELLED: [placed, cancelledWhilePending],
  SHIPPED: [placed, lineReserved('SKU-1', 2), lineReserved('SKU-2', 1), confirmed, shipped],
};
const historyOf = (status: OrderStatus): OrderEvent[] => (status === 'NONE' ? [] : HISTORY[status]);

const placeOrder = (lines: unknown[] = LINES) => command('PlaceOrder', { orderId: ORDER, customerId: 'customer-1', lines: lines as OrderLine[] });
const recordLine = (sku: string, outcome: 'RESERVED' | 'REJECTED', reason?: string) =>
  command('RecordLineReservation', reason === undefined ? { orderId: ORDER, sku, outcome } : { orderId: ORDER, sku, outcome, reason });

describe('orderDecider', () => {
  it('rebuilds every status from its history', () => {
    for (const status of Object.keys(HISTORY) as (keyof typeof HISTORY)[]) {
      expect(fold(orderDecider, HISTORY[status]).status).toBe(status);
    }
    expect(orderDecider.initialState().status).toBe('NONE');
  });

  describe('PlaceOrder', () => {
    it('places a new order with the total of its lines', () => {
      spec.given([]).when(placeOrder()).then([placed]);
    });

    it('leaves a new order PENDING with no line outcome yet', () => {
      spec
        .given([])
        .when(placeOrder())
        .thenState((state) => {
          expect(state).toEqual({
            version: 1,
            status: 'PENDING',
            orderId: ORDER,
            customerId: 'customer-1',
            lines: LINES,
            totalCents: 2250,
            lineOutcomes: {},
          });
        });
    });

    it('accepts a line that costs nothing', () => {
      spec
        .given([])
        .when(placeOrder([{ sku: 'FREE', quantity: 3, unitPriceCents: 0 }]))
        .then([
          {
            type: 'OrderPlaced',
            data: {
              orderId: ORDER,
              customerId: 'customer-1',
              lines: [{ sku: 'FREE', quantity: 3, unitPriceCents: 0 }],
              totalCents: 0,
            },
          },
        ]);
    });

    it('keeps only the known fields of each line in the event', () => {
      spec
        .given([])
        .when(placeOrder([{ sku: 'SKU-1', quantity: 1, unitPriceCents: 10, note: 'gift' }]))
        .then([
          {
            type: 'OrderPlaced',
            data: {
              orderId: ORDER,
              customerId: 'customer-1',
              lines: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 10 }],
              totalCents: 10,
            },
          },
        ]);
    });

    it.each(['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'SHIPPED'] as const)('refuses to place an order that already exists (%s)', (status) => {
      spec
        .given(historyOf(status))
        .when(placeOrder())
        .thenThrows(ConflictError, (error) => error.message === `order ${ORDER} already exists`);
    });

    it('rejects an order without lines', () => {
      spec
        .given([])
        .when(placeOrder([]))
        .thenThrows(ValidationError, (error) => error.errors.some((e) => e.field === 'lines'));
    });

    it('accepts 100 lines and rejects 101', () => {
      const many = (count: number) => Array.from({ length: count }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1, unitPriceCents: 1 }));
      spec
        .given([])
        .when(placeOrder(many(100)))
        .thenState((state) => expect(state.totalCents).toBe(100));
      spec
        .given([])
        .when(placeOrder(many(101)))
        .thenThrows(ValidationError, (error) => error.errors.some((e) => e.field === 'lines'));
    });

    it('rejects a sku that appears twice, naming the later line', () => {
      spec
        .given([])
        .when(
          placeOrder([
            { sku: 'SKU-1', quantity: 1, unitPriceCents: 1 },
            { sku: 'SKU-1', quantity: 2, unitPriceCents: 1 },
          ]),
        )
        .thenThrows(ValidationError, (error) => {
          expect(error.errors).toEqual([{ field: 'lines[1].sku', message: 'duplicates lines[0].sku (SKU-1)' }]);
          return true;
        });
    });

    it('reports every invalid field of every line with its path', () => {
      spec
        .given([])
        .when(
          placeOrder([
            { sku: 'SKU-1', quantity: 1, unitPriceCents: 1 },
            { sku: '', quantity: 0, unitPriceCents: -1 },
            { sku: 'SKU-3', quantity: 1.5, unitPriceCents: 9.99 },
          ]),
        )
        .thenThrows(ValidationError, (error) => {
          expect(error.errors.map((e) => e.field)).toEqual([
            'lines[1].sku',
            'lines[1].quantity',
            'lines[1].unitPriceCents',
            'lines[2].quantity',
            'lines[2].unitPriceCents',
          ]);
          return true;
        });
    });

    it('rejects a line that is not an object', () => {
      spec
        .given([])
        .when(placeOrder([null]))
        .thenThrows(ValidationError, (error) => error.errors.some((e) => e.field === 'lines[0].sku'));
    });

    it('rejects an empty customer id', () => {
      spec
        .given([])
        .when(command('PlaceOrder', { orderId: ORDER, customerId: '', lines: LINES }))
        .thenThrows(ValidationError, (error) => error.errors.some((e) => e.field === 'customerId'));
    });

    it('rejects an order whose total cannot be represented exactly', () => {
      const lines = Array.from({ length: 100 }, (_, i) => ({
        sku: `SKU-${i}`,
        quantity: 1_000_000,
        unitPriceCents: 100_000_000,
      }));
      spec
        .given([])
        .when(placeOrder(lines))
        .thenThrows(ValidationError, (error) => error.errors[0]?.field === 'lines');
    });
  });

  describe('RecordLineReservation', () => {
    it('records a reserved line with the quantity of the order line', () => {
      spec
        .given([placed])
        .when(recordLine('SKU-1', 'RESERVED'))
        .then([lineReserved('SKU-1', 2)]);
    });

    it('records a rejected line with its reason', () => {
      spec
        .given([placed])
        .when(recordLine('SKU-1', 'REJECTED', 'UNKNOWN_PRODUCT'))
        .then([lineRejected('SKU-1', 'UNKNOWN_PRODUCT')]);
    });

    it('records a rejected line without a reason as UNSPECIFIED', () => {
      spec
        .given([placed])
        .when(recordLine('SKU-1', 'REJECTED'))
        .then([lineRejected('SKU-1', 'UNSPECIFIED')]);
    });

    it('confirms the order when the last line is reserved and every line was reserved', () => {
      spec
        .given([placed, lineReserved('SKU-1', 2)])
        .when(recordLine('SKU-2', 'RESERVED'))
        .then([lineReserved('SKU-2', 1), confirmed]);
    });

    it('confirms a single-line order on its only reservation', () => {
      const single: OrderEvent = {
        type: 'OrderPlaced',
        data: { orderId: ORDER, customerId: 'c', lines: [{ sku: 'A', quantity: 1, unitPriceCents: 1 }], totalCents: 1 },
      };
      spec
        .given([single])
        .when(recordLine('A', 'RESERVED'))
        .then([{ type: 'OrderLineReserved', data: { orderId: ORDER, sku: 'A', quantity: 1 } }, confirmed]);
    });

    it('rejects the order when the last outcome arrives and a line was rejected', () => {
      spec
        .given([placed, lineReserved('SKU-1', 2)])
        .when(recordLine('SKU-2', 'REJECTED', 'INSUFFICIENT_STOCK'))
        .then([lineRejected('SKU-2', 'INSUFFICIENT_STOCK'), rejected]);
    });

    it('names every rejected line and its reason, in line order, when the order is rejected', () => {
      spec
        .given([placed, lineRejected('SKU-2', 'UNKNOWN_PRODUCT')])
        .when(recordLine('SKU-1', 'REJECTED', 'INSUFFICIENT_STOCK'))
        .then([
          lineRejected('SKU-1', 'INSUFFICIENT_STOCK'),
          {
            type: 'OrderRejected',
            data: {
              orderId: ORDER,
              reason: 'stock not reserved for SKU-1 (INSUFFICIENT_STOCK), SKU-2 (UNKNOWN_PRODUCT)',
              rejectedSkus: ['SKU-1', 'SKU-2'],
              reservedSkus: [],
              pendingSkus: [],
            },
          },
        ]);
    });

    it('waits for the other lines while an outcome is still missing, even after a rejection', () => {
      spec
        .given([placed])
        .when(recordLine('SKU-2', 'REJECTED', 'INSUFFICIENT_STOCK'))
        .then([lineRejected('SKU-2', 'INSUFFICIENT_STOCK')]);
    });

    it('ignores a second outcome for a line that already has one', () => {
      spec
        .given([placed, lineReserved('SKU-1', 2)])
        .when(recordLine('SKU-1', 'REJECTED', 'INSUFFICIENT_STOCK'))
        .thenNothing();
    });

    it('ignores a repeated identical outcome', () => {
      spec
        .given([placed, lineRejected('SKU-1', 'UNKNOWN_PRODUCT')])
        .when(recordLine('SKU-1', 'REJECTED', 'UNKNOWN_PRODUCT'))
        .thenNothing();
    });

    it.each(['CONFIRMED', 'REJECTED', 'CANCELLED', 'SHIPPED'] as const)('ignores an outcome that arrives when the order is %s', (status) => {
      spec.given(historyOf(status)).when(recordLine('SKU-2', 'RESERVED')).thenNothing();
    });

    it('ignores the outcome of a line that was still pending when the order was cancelled', () => {
      spec
        .given([placed, lineReserved('SKU-1', 2), cancelledWhilePending])
        .when(recordLine('SKU-2', 'RESERVED'))
        .thenNothing();
    });

    it('refuses an outcome for a sku that is not in the order', () => {
      spec
        .given([placed])
        .when(recordLine('SKU-9', 'RESERVED'))
        .thenThrows(ValidationError, (error) => error.errors[0]?.field === 'sku');
    });

    it('refuses an outcome that is neither RESERVED nor REJECTED', () => {
      spec
        .given([placed])
        .when(recordLine('SKU-1', 'MAYBE' as 'RESERVED'))
        .thenThrows(ValidationError, (error) => error.errors[0]?.field === 'outcome');
    });

    it('refuses an outcome for an order that does not exist', () => {
      spec.given([]).when(recordLine('SKU-1', 'RESERVED')).thenThrows(NotFoundError);
    });

    it('tracks line outcomes in state', () => {
      spec
        .given([placed, lineReserved('SKU-1', 2)])
        .when(recordLine('SKU-2', 'REJECTED', 'UNKNOWN_PRODUCT'))
        .thenState((state) => {
          expect(state.status).toBe('REJECTED');
          expect(state.lineOutcomes).toEqual({
            'SKU-1': { outcome: 'RESERVED' },
            'SKU-2': { outcome: 'REJECTED', reason: 'UNKNOWN_PRODUCT' },
          });
        });
    });
  });

  describe('ConfirmOrder', () => {
    it('confirms a pending order whose every line is reserved', () => {
      spec
        .given([placed, lineReserved('SKU-1', 2), lineReserved('SKU-2', 1)])
        .when(command('ConfirmOrder', { orderId: ORDER }))
        .then([confirmed]);
    });

    it('refuses to confirm a pending order while a line is not reserved', () => {
      spec
        .given([placed, lineReserved('SKU-1', 2)])
        .when(command('ConfirmOrder', { orderId: ORDER }))
        .thenThrows(ConflictError, (error) => error.message.includes('SKU-2'));
    });

    it.each(['CONFIRMED', 'REJECTED', 'CANCELLED', 'SHIPPED'] as const)('refuses to confirm an order that is %s', (status) => {
      spec
        .given(historyOf(status))
        .when(command('ConfirmOrder', { orderId: ORDER }))
        .thenThrows(ConflictError, (error) => error.message === `cannot confirm an order that is ${status}`);
    });

    it('refuses to confirm an order that does not exist', () => {
      spec
        .given([])
        .when(command('ConfirmOrder', { orderId: ORDER }))
        .thenThrows(NotFoundError);
    });
  });

  describe('RejectOrder', () => {
    it('rejects a pending order, listing which lines are reserved, rejected and still pending', () => {
      spec
        .given([placed, lineReserved('SKU-1', 2)])
        .when(command('RejectOrder', { orderId: ORDER, reason: 'payment declined' }))
        .then([
          {
            type: 'OrderRejected',
            data: {
              orderId: ORDER,
              reason: 'payment declined',
              rejectedSkus: [],
              reservedSkus: ['SKU-1'],
              pendingSkus: ['SKU-2'],
            },
          },
        ]);
    });

    it.each(['CONFIRMED', 'REJECTED', 'CANCELLED', 'SHIPPED'] as const)('refuses to reject an order that is %s', (status) => {
      spec
        .given(historyOf(status))
        .when(command('RejectOrder', { orderId: ORDER, reason: 'late' }))
        .thenThrows(ConflictError, (error) => error.message === `cannot reject an order that is ${status}`);
    });

    it('refuses to reject an order that does not exist', () => {
      spec
        .given([])
        .when(command('RejectOrder', { orderId: ORDER, reason: 'late' }))
        .thenThrows(NotFoundError);
    });

    it('requires a reason', () => {
      spec
        .given([placed])
        .when(command('RejectOrder', { orderId: ORDER, reason: '' }))
        .thenThrows(ValidationError, (error) => error.errors[0]?.field === 'reason');
    });
  });

  describe('CancelOrder', () => {
    it('cancels a pending order and carries every line for the release', () => {
      spec
        .given([placed, lineReserved('SKU-1', 2)])
        .when(command('CancelOrder', { orderId: ORDER, reason: 'changed my mind' }))
        .then([
          {
            type: 'OrderCancelled',
            data: {
              orderId: ORDER,
              reason: 'changed my mind',
              previousStatus: 'PENDING',
              reservedSkus: ['SKU-1'],
              lines: LINES,
            },
          },
        ]);
    });

    it('cancels a confirmed order, every line being reserved', () => {
      spec
        .given(historyOf('CONFIRMED'))
        .when(command('CancelOrder', { orderId: ORDER }))
        .then([
          {
            type: 'OrderCancelled',
            data: {
              orderId: ORDER,
              reason: null,
              previousStatus: 'CONFIRMED',
              reservedSkus: ['SKU-1', 'SKU-2'],
              lines: LINES,
            },
          },
        ]);
    });

    it('leaves the order CANCELLED', () => {
      spec
        .given([placed])
        .when(command('CancelOrder', { orderId: ORDER }))
        .thenState((state) => expect(state.status).toBe('CANCELLED'));
    });

    it.each(['REJECTED', 'CANCELLED', 'SHIPPED'] as const)('refuses to cancel an order that is %s', (status) => {
      spec
        .given(historyOf(status))
        .when(command('CancelOrder', { orderId: ORDER }))
        .thenThrows(ConflictError, (error) => error.message === `cannot cancel an order that is ${status}`);
    });

    it('refuses to cancel an order that does not exist', () => {
      spec
        .given([])
        .when(command('CancelOrder', { orderId: ORDER }))
        .thenThrows(NotFoundError);
    });
  });

  describe('ShipOrder', () => {
    it('ships a confirmed order with its lines', () => {
      spec
        .given(historyOf('CONFIRMED'))
        .when(command('ShipOrder', { orderId: ORDER }))
        .then([shipped]);
    });

    it.each(['PENDING', 'REJECTED', 'CANCELLED', 'SHIPPED'] as const)('refuses to ship an order that is %s', (status) => {
      spec
        .given(historyOf(status))
        .when(command('ShipOrder', { orderId: ORDER }))
        .thenThrows(ConflictError, (error) => error.message === `cannot ship an order that is ${status}`);
    });

    it('refuses to ship an order that does not exist', () => {
      spec
        .given([])
        .when(command('ShipOrder', { orderId: ORDER }))
        .thenThrows(NotFoundError);
    });
  });

  describe('expected version', () => {
    it('applies a command whose expected version matches', () => {
      spec
        .given(historyOf('CONFIRMED'))
        .when(command('ShipOrder', { orderId: ORDER }, { expectedVersion: 4 }))
        .then([shipped]);
    });

    it('refuses a command whose expected version is stale', () => {
      spec
        .given(historyOf('CONFIRMED'))
        .when(command('ShipOrder', { orderId: ORDER }, { expectedVersion: 3 }))
        .thenThrows(ConcurrencyError, (error) => error.expectedVersion === 3 && error.actualVersion === 4);
    });

    it('reports the version conflict before any rule of the order', () => {
      spec
        .given([])
        .when(command('ShipOrder', { orderId: ORDER }, { expectedVersion: 1 }))
        .thenThrows(ConcurrencyError);
    });
  });

  describe('evolve', () => {
    it('bumps the version by one for every event', () => {
      expect(fold(orderDecider, historyOf('SHIPPED')).version).toBe(5);
    });
  });
});

describe('strings the read side cannot store (defence in depth behind the HTTP gate)', () => {
  it.each([
    ['a NUL in customerId', { orderId: ORDER, customerId: 'a\u0000b', lines: LINES }, 'customerId'],
    ['a lone surrogate in a line sku', { orderId: ORDER, customerId: 'c', lines: [{ ...LINES[0], sku: 'S\uD800' }] }, 'lines[0].sku'],
  ])('refuses PlaceOrder with %s, naming the field', (_what, data, field) => {
    spec
      .given([])
      .when(command('PlaceOrder', data as never))
      .thenThrows(ValidationError, (error) => error.errors.some((e) => e.field === field));
  });

  it('refuses a cancel reason with a NUL', () => {
    spec
      .given(HISTORY.PENDING)
      .when(command('CancelOrder', { orderId: ORDER, reason: 'oops\u0000' }))
      .thenThrows(ValidationError, (error) => error.errors.some((e) => e.field === 'reason'));
  });

  it('refuses a NUL in the command metadata, which is copied into the event envelope', () => {
    spec
      .given([])
      .when(command('PlaceOrder', { orderId: ORDER, customerId: 'c', lines: LINES }, { correlationId: 'x\u0000' }))
      .thenThrows(ValidationError, (error) => error.errors.some((e) => e.field === 'metadata.correlationId'));
  });
});
