import { describe, expect, it } from '@jest/globals';
import { fold } from '../shared/decider';
import { ConcurrencyError, ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { commandsOf } from '../testing/command.fixtures';
import { DeciderSpecification } from '../testing/decider-specification';
import type { ProductCommand } from './product.commands';
import { productDecider } from './product.decider';
import type { ProductEvent } from './product.events';
import { availableStock } from './product.state';

const spec = DeciderSpecification.for(productDecider);
const command = commandsOf<ProductCommand>();

const SKU = 'SKU-1';
const registered: ProductEvent = { type: 'ProductRegistered', data: { sku: SKU, name: 'Widget' } };
const received = (quantity: number): ProductEvent => ({ type: 'StockReceived', data: { sku: SKU, quantity } });
const reserved = (orderId: string, quantity: number): ProductEvent => ({
  type: 'StockReserved',
  data: { sku: SKU, orderId, quantity },
});
const released = (orderId: string, quantity: number): ProductEvent => ({
  type: 'StockReleased',
  data: { sku: SKU, orderId, quantity },
});
const committed = (orderId: string, quantity: number): ProductEvent => ({
  type: 'StockCommitted',
  data: { sku: SKU, orderId, quantity },
});

describe('productDecider', () => {
  describe('RegisterProduct', () => {
    it('registers a product that does not exist yet', () => {
      spec
        .given([])
        .when(command('RegisterProduct', { sku: SKU, name: 'Widget' }))
        .then([registered]);
    });

    it('refuses to register a product twice', () => {
      spec
        .given([registered])
        .when(command('RegisterProduct', { sku: SKU, name: 'Other' }))
        .thenThrows(ConflictError, (error) => error.message.includes(SKU));
    });

    it('rejects an empty name', () => {
      spec
        .given([])
        .when(command('RegisterProduct', { sku: SKU, name: '' }))
        .thenThrows(ValidationError, (error) => error.errors.some((e) => e.field === 'name'));
    });

    it('starts the product with no stock', () => {
      spec
        .given([])
        .when(command('RegisterProduct', { sku: SKU, name: 'Widget' }))
        .thenState((state) => {
          expect(state).toEqual({
            version: 1,
            registered: true,
            sku: SKU,
            name: 'Widget',
            onHand: 0,
            reserved: 0,
            reservations: {},
          });
        });
    });
  });

  describe('RenameProduct', () => {
    const renamed: ProductEvent = { type: 'ProductRenamed', data: { sku: SKU, name: 'Gadget' } };

    it('renames a registered product', () => {
      spec
        .given([registered, received(3)])
        .when(command('RenameProduct', { sku: SKU, name: 'Gadget' }))
        .then([renamed]);
    });

    it('keeps the new name and leaves the stock alone', () => {
      spec
        .given([registered, received(3)])
        .when(command('RenameProduct', { sku: SKU, name: 'Gadget' }))
        .thenState((state) => expect(state).toMatchObject({ version: 3, name: 'Gadget', onHand: 3, reserved: 0 }));
    });

    it('records nothing when the product already has that name', () => {
      spec
        .given([registered, renamed])
        .when(command('RenameProduct', { sku: SKU, name: 'Gadget' }))
        .thenNothing();
    });

    it('refuses to rename a product that is not registered', () => {
      spec
        .given([])
        .when(command('RenameProduct', { sku: SKU, name: 'Gadget' }))
        .thenThrows(NotFoundError, (error) => error.message.includes(SKU));
    });

    it('rejects an empty name', () => {
      spec
        .given([registered])
        .when(command('RenameProduct', { sku: SKU, name: '' }))
        .thenThrows(ValidationError, (error) => error.errors.some((e) => e.field === 'name'));
    });

    it('applies only at the expected version (If-Match)', () => {
      spec
        .given([registered])
        .when(command('RenameProduct', { sku: SKU, name: 'Gadget' }, { expectedVersion: 0 }))
        .thenThrows(ConcurrencyError);
    });
  });

  describe('ReceiveStock', () => {
    it('adds received stock to a registered product', () => {
      spec
        .given([registered])
        .when(command('ReceiveStock', { sku: SKU, quantity: 5 }))
        .then([received(5)]);
    });

    it('raises onHand by the quantity received', () => {
      spec
        .given([registered, received(5)])
        .when(command('ReceiveStock', { sku: SKU, quantity: 3 }))
        .thenState((state) => expect(state.onHand).toBe(8));
    });

    it('refuses stock for a product that is not registered', () => {
      spec
        .given([])
        .when(command('ReceiveStock', { sku: SKU, quantity: 5 }))
        .thenThrows(NotFoundError);
    });

    it.each([0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('rejects a quantity of %p as not a positive integer', (quantity) => {
      spec
        .given([registered])
        .when(command('ReceiveStock', { sku: SKU, quantity }))
        .thenThrows(ValidationError, (error) => error.errors[0]?.field === 'quantity');
    });
  });

  describe('ReserveStock', () => {
    it('reserves stock when enough is available', () => {
      spec
        .given([registered, received(10)])
        .when(command('ReserveStock', { sku: SKU, orderId: 'o-1', quantity: 4 }))
        .then([reserved('o-1', 4)]);
    });

    it('reserves exactly the available stock', () => {
      spec
        .given([registered, received(10), reserved('o-1', 6)])
        .when(command('ReserveStock', { sku: SKU, orderId: 'o-2', quantity: 4 }))
        .then([reserved('o-2', 4)]);
    });

    it('rejects a reservation larger than the available stock', () => {
      spec
        .given([registered, received(10), reserved('o-1', 6)])
        .when(command('ReserveStock', { sku: SKU, orderId: 'o-2', quantity: 5 }))
        .then([
          {
            type: 'StockReservationRejected',
            data: { sku: SKU, orderId: 'o-2', quantity: 5, reason: 'INSUFFICIENT_STOCK', available: 4 },
          },
        ]);
    });

    it('rejects a reservation on a product without stock', () => {
      spec
        .given([registered])
        .when(command('ReserveStock', { sku: SKU, orderId: 'o-1', quantity: 1 }))
        .then([
          {
            type: 'StockReservationRejected',
            data: { sku: SKU, orderId: 'o-1', quantity: 1, reason: 'INSUFFICIENT_STOCK', available: 0 },
          },
        ]);
    });

    it('answers a reservation for an unknown product with a rejection, not an error', () => {
      spec
        .given([])
        .when(command('ReserveStock', { sku: SKU, orderId: 'o-1', quantity: 1 }))
        .then([
          {
            type: 'StockReservationRejected',
            data: { sku: SKU, orderId: 'o-1', quantity: 1, reason: 'UNKNOWN_PRODUCT', available: 0 },
          },
        ]);
    });

    it('keeps one reservation per order per product: a second request for the same order changes nothing', () => {
      spec
        .given([registered, received(10), reserved('o-1', 4)])
        .when(command('ReserveStock', { sku: SKU, orderId: 'o-1', quantity: 4 }))
        .thenNothing();
    });

    it('ignores a second request for the same order even with another quantity', () => {
      spec
        .given([registered, received(10), reserved('o-1', 4)])
        .when(command('ReserveStock', { sku: SKU, orderId: 'o-1', quantity: 2 }))
        .thenNothing();
    });

    it('reserves again for an order whose earlier reservation was released', () => {
      spec
        .given([registered, received(10), reserved('o-1', 4), released('o-1', 4)])
        .when(command('ReserveStock', { sku: SKU, orderId: 'o-1', quantity: 4 }))
        .then([reserved('o-1', 4)]);
    });

    it('lowers available stock and remembers the reservation', () => {
      spec
        .given([registered, received(10)])
        .when(command('ReserveStock', { sku: SKU, orderId: 'o-1', quantity: 4 }))
        .thenState((state) => {
          expect(state.onHand).toBe(10);
          expect(state.reserved).toBe(4);
          expect(availableStock(state)).toBe(6);
          expect(state.reservations).toEqual({ 'o-1': 4 });
        });
    });

    it('treats an order id that is an Object.prototype key as an ordinary id', () => {
      spec
        .given([registered, received(10)])
        .when(command('ReserveStock', { sku: SKU, orderId: 'constructor', quantity: 1 }))
        .then([reserved('constructor', 1)]);
    });

    it.each([0, -3, 2.5])('rejects a quantity of %p as not a positive integer', (quantity) => {
      spec
        .given([registered, received(10)])
        .when(command('ReserveStock', { sku: SKU, orderId: 'o-1', quantity }))
        .thenThrows(ValidationError);
    });
  });

  describe('ReleaseStock', () => {
    it('releases an active reservation by its reserved quantity', () => {
      spec
        .given([registered, received(10), reserved('o-1', 4)])
        .when(command('ReleaseStock', { sku: SKU, orderId: 'o-1' }))
        .then([released('o-1', 4)]);
    });

    it('makes released stock available again and forgets the reservation', () => {
      spec
        .given([registered, received(10), reserved('o-1', 4), reserved('o-2', 1)])
        .when(command('ReleaseStock', { sku: SKU, orderId: 'o-1' }))
        .thenState((state) => {
          expect(state.onHand).toBe(10);
          expect(state.reserved).toBe(1);
          expect(state.reservations).toEqual({ 'o-2': 1 });
        });
    });

    it('does nothing when the order has no reservation', () => {
      spec
        .given([registered, received(10), reserved('o-1', 4)])
        .when(command('ReleaseStock', { sku: SKU, orderId: 'o-2' }))
        .thenNothing();
    });

    it('does nothing when the reservation was already released', () => {
      spec
        .given([registered, received(10), reserved('o-1', 4), released('o-1', 4)])
        .when(command('ReleaseStock', { sku: SKU, orderId: 'o-1' }))
        .thenNothing();
    });

    it('does nothing when the reservation was already committed', () => {
      spec
        .given([registered, received(10), reserved('o-1', 4), committed('o-1', 4)])
        .when(command('ReleaseStock', { sku: SKU, orderId: 'o-1' }))
        .thenNothing();
    });

    it('does nothing for a product that is not registered', () => {
      spec
        .given([])
        .when(command('ReleaseStock', { sku: SKU, orderId: 'o-1' }))
        .thenNothing();
    });

    it('does nothing for an order whose reservation was rejected', () => {
      spec
        .given([
          registered,
          {
            type: 'StockReservationRejected',
            data: { sku: SKU, orderId: 'o-1', quantity: 4, reason: 'INSUFFICIENT_STOCK', available: 0 },
          },
        ])
        .when(command('ReleaseStock', { sku: SKU, orderId: 'o-1' }))
        .thenNothing();
    });
  });

  describe('CommitStock', () => {
    it('commits an active reservation by its reserved quantity', () => {
      spec
        .given([registered, received(10), reserved('o-1', 4)])
        .when(command('CommitStock', { sku: SKU, orderId: 'o-1' }))
        .then([committed('o-1', 4)]);
    });

    it('lowers both onHand and reserved by the committed quantity', () => {
      spec
        .given([registered, received(10), reserved('o-1', 4), reserved('o-2', 3)])
        .when(command('CommitStock', { sku: SKU, orderId: 'o-1' }))
        .thenState((state) => {
          expect(state.onHand).toBe(6);
          expect(state.reserved).toBe(3);
          expect(availableStock(state)).toBe(3);
          expect(state.reservations).toEqual({ 'o-2': 3 });
        });
    });

    it('does nothing when the order has no reservation', () => {
      spec
        .given([registered, received(10)])
        .when(command('CommitStock', { sku: SKU, orderId: 'o-1' }))
        .thenNothing();
    });

    it('does nothing when the reservation was already committed', () => {
      spec
        .given([registered, received(10), reserved('o-1', 4), committed('o-1', 4)])
        .when(command('CommitStock', { sku: SKU, orderId: 'o-1' }))
        .thenNothing();
    });

    it('does nothing when the reservation was released', () => {
      spec
        .given([registered, received(10), reserved('o-1', 4), released('o-1', 4)])
        .when(command('CommitStock', { sku: SKU, orderId: 'o-1' }))
        .thenNothing();
    });

    it('does nothing for a product that is not registered', () => {
      spec
        .given([])
        .when(command('CommitStock', { sku: SKU, orderId: 'o-1' }))
        .thenNothing();
    });
  });

  describe('expected version', () => {
    const history = [registered, received(10)];

    it('applies a command whose expected version matches', () => {
      spec
        .given(history)
        .when(command('ReceiveStock', { sku: SKU, quantity: 1 }, { expectedVersion: 2 }))
        .then([received(1)]);
    });

    it('refuses a command whose expected version is stale', () => {
      spec
        .given(history)
        .when(command('ReceiveStock', { sku: SKU, quantity: 1 }, { expectedVersion: 1 }))
        .thenThrows(ConcurrencyError, (error) => error.expectedVersion === 1 && error.actualVersion === 2);
    });

    it('refuses a stale expected version even when the command would change nothing', () => {
      spec
        .given(history)
        .when(command('ReleaseStock', { sku: SKU, orderId: 'o-unknown' }, { expectedVersion: 7 }))
        .thenThrows(ConcurrencyError);
    });

    it('registers a product only if it does not exist when expected version is 0', () => {
      spec
        .given([])
        .when(command('RegisterProduct', { sku: SKU, name: 'Widget' }, { expectedVersion: 0 }))
        .then([registered]);
      spec
        .given([registered])
        .when(command('RegisterProduct', { sku: SKU, name: 'Widget' }, { expectedVersion: 0 }))
        .thenThrows(ConcurrencyError);
    });
  });

  describe('evolve', () => {
    it('bumps the version by one for every event, rejections included', () => {
      const state = fold(productDecider, [
        registered,
        received(3),
        {
          type: 'StockReservationRejected',
          data: { sku: SKU, orderId: 'o-1', quantity: 9, reason: 'INSUFFICIENT_STOCK', available: 3 },
        },
      ]);
      expect(state.version).toBe(3);
      expect(state.reserved).toBe(0);
    });
  });

  describe('invariants', () => {
    // A deterministic pseudo-random walk: the domain forbids Math.random and the specs do not need it.
    function* lcg(seed: number): Generator<number> {
      let value = seed;
      for (;;) {
        value = (value * 1103515245 + 12345) % 2147483648;
        yield value;
      }
    }

    it('never lets available stock go negative, whatever the sequence of commands', () => {
      const random = lcg(42);
      const next = (bound: number): number => (random.next().value as number) % bound;
      let state = fold(productDecider, [registered]);
      for (let step = 0; step < 2000; step += 1) {
        const orderId = `o-${next(12)}`;
        const quantity = 1 + next(8);
        const candidates: ProductCommand[] = [
          command('ReceiveStock', { sku: SKU, quantity }),
          command('ReserveStock', { sku: SKU, orderId, quantity }),
          command('ReserveStock', { sku: SKU, orderId, quantity: quantity * 3 }),
          command('ReleaseStock', { sku: SKU, orderId }),
          command('CommitStock', { sku: SKU, orderId }),
          command('CommitStock', { sku: SKU, orderId }),
        ];
        const chosen = candidates[next(candidates.length)] as ProductCommand;
        const events = productDecider.decide(chosen, state);
        const before = state.version;
        state = fold(productDecider, events, state);

        expect(state.version).toBe(before + events.length);
        expect(availableStock(state)).toBeGreaterThanOrEqual(0);
        expect(state.reserved).toBeGreaterThanOrEqual(0);
        expect(state.reserved).toBe(Object.values(state.reservations).reduce((a, b) => a + b, 0));
      }
    });
  });
});

describe('strings the read side cannot store (defence in depth behind the HTTP gate)', () => {
  it.each([
    ['a NUL in the name', { sku: SKU, name: 'Cup\u0000' }, 'name'],
    ['a lone surrogate in the sku', { sku: '\uDC00', name: 'Cup' }, 'sku'],
  ])('refuses RegisterProduct with %s, naming the field', (_what, data, field) => {
    spec
      .given([])
      .when(command('RegisterProduct', data))
      .thenThrows(ValidationError, (error) => error.errors.some((e) => e.field === field));
  });
});
