import { describe, expect, it } from '@jest/globals';
import type { ProductCommand } from '../inventory/product.commands';
import { productDecider } from '../inventory/product.decider';
import type { ProductEvent } from '../inventory/product.events';
import { availableStock, type ProductState } from '../inventory/product.state';
import type { OrderCommand } from '../orders/order.commands';
import { orderDecider } from '../orders/order.decider';
import type { OrderEvent } from '../orders/order.events';
import type { OrderState } from '../orders/order.state';
import { fold } from '../shared/decider';
import type { CommandPayload } from '../shared/message';
import { testMetadata } from '../testing/command.fixtures';
import { fulfillmentReactions, type PlannedCommand } from './fulfillment.process';

/**
 * The deciders and the process together, in memory: commands queue in FIFO order as they would on a
 * command partition, and a command id is applied once, as the command processor guarantees.
 */
class World {
  readonly products = new Map<string, ProductEvent[]>();
  readonly orders = new Map<string, OrderEvent[]>();
  private readonly queue: PlannedCommand[] = [];
  private readonly applied = new Set<string>();

  product(sku: string): ProductState {
    return fold(productDecider, this.products.get(sku) ?? []);
  }

  order(orderId: string): OrderState {
    return fold(orderDecider, this.orders.get(orderId) ?? []);
  }

  send(planned: PlannedCommand): void {
    if (this.applied.has(planned.commandId)) return;
    this.applied.add(planned.commandId);
    const metadata = testMetadata({ commandId: planned.commandId });
    if (planned.context === 'inventory') {
      const command = { ...planned.command, metadata } as ProductCommand;
      const stream = this.products.get(planned.aggregateId) ?? [];
      const events = productDecider.decide(command, fold(productDecider, stream));
      this.products.set(planned.aggregateId, [...stream, ...events]);
      events.forEach((event, i) => this.react(event, planned.aggregateId, stream.length + i + 1));
    } else {
      const command = { ...planned.command, metadata } as OrderCommand;
      const stream = this.orders.get(planned.aggregateId) ?? [];
      const events = orderDecider.decide(command, fold(orderDecider, stream));
      this.orders.set(planned.aggregateId, [...stream, ...events]);
      events.forEach((event, i) => this.react(event, planned.aggregateId, stream.length + i + 1));
    }
  }

  /** Processes queued commands; `limit` leaves the rest in flight. */
  drain(limit = Number.POSITIVE_INFINITY): void {
    for (let n = 0; n < limit && this.queue.length > 0; n += 1) {
      this.send(this.queue.shift() as PlannedCommand);
    }
  }

  /** Moves queued commands for one product first, as that product's partition would. */
  drainProduct(sku: string): void {
    const mine = this.queue.filter((c) => c.context === 'inventory' && c.aggregateId === sku);
    this.queue.splice(0, this.queue.length, ...this.queue.filter((c) => !mine.includes(c)));
    mine.forEach((c) => this.send(c));
  }

  private react(event: ProductEvent | OrderEvent, aggregateId: string, version: number): void {
    this.queue.push(...fulfillmentReactions({ ...event, aggregateId, version }));
  }
}

const stocked = (world: World, sku: string, quantity: number): void => {
  world.send({
    context: 'inventory',
    aggregateId: sku,
    commandId: `register-${sku}`,
    command: { type: 'RegisterProduct', data: { sku, name: sku } },
  });
  world.send({
    context: 'inventory',
    aggregateId: sku,
    commandId: `receive-${sku}`,
    command: { type: 'ReceiveStock', data: { sku, quantity } },
  });
};

const order = (orderId: string, lines: [string, number][]): PlannedCommand => ({
  context: 'orders',
  aggregateId: orderId,
  commandId: `place-${orderId}`,
  command: {
    type: 'PlaceOrder',
    data: {
      orderId,
      customerId: 'c',
      lines: lines.map(([sku, quantity]) => ({ sku, quantity, unitPriceCents: 100 })),
    },
  },
});

const orderCommand = (orderId: string, command: CommandPayload<OrderCommand>): PlannedCommand => ({
  context: 'orders',
  aggregateId: orderId,
  commandId: `${command.type}-${orderId}`,
  command,
});

describe('fulfillment, end to end in memory', () => {
  it('confirms an order when every line is reserved, then commits the stock when it ships', () => {
    const world = new World();
    stocked(world, 'A', 5);
    stocked(world, 'B', 5);
    world.send(
      order('o-1', [
        ['A', 2],
        ['B', 3],
      ]),
    );
    world.drain();
    expect(world.order('o-1').status).toBe('CONFIRMED');
    expect(world.product('A')).toMatchObject({ onHand: 5, reserved: 2 });

    world.send(orderCommand('o-1', { type: 'ShipOrder', data: { orderId: 'o-1' } }));
    world.drain();
    expect(world.order('o-1').status).toBe('SHIPPED');
    expect(world.product('A')).toMatchObject({ onHand: 3, reserved: 0, reservations: {} });
    expect(world.product('B')).toMatchObject({ onHand: 2, reserved: 0, reservations: {} });
  });

  it('rejects an order with a reason when a line cannot be reserved, and releases what was reserved', () => {
    const world = new World();
    stocked(world, 'A', 5);
    stocked(world, 'B', 1);
    world.send(
      order('o-1', [
        ['A', 2],
        ['B', 3],
        ['C', 1],
      ]),
    );
    world.drain();
    expect(world.order('o-1').status).toBe('REJECTED');
    const rejection = world.orders.get('o-1')?.find((e) => e.type === 'OrderRejected');
    expect(rejection?.data).toMatchObject({
      reason: 'stock not reserved for B (INSUFFICIENT_STOCK), C (UNKNOWN_PRODUCT)',
      reservedSkus: ['A'],
      rejectedSkus: ['B', 'C'],
    });
    expect(availableStock(world.product('A'))).toBe(5);
    expect(world.product('A').reservations).toEqual({});
  });

  it('leaves nothing reserved when an order is cancelled while its reservations are in flight', () => {
    const world = new World();
    stocked(world, 'A', 5);
    stocked(world, 'B', 5);
    world.send(
      order('o-1', [
        ['A', 2],
        ['B', 3],
      ]),
    );
    world.drainProduct('A'); // A reserved and recorded later; B's ReserveStock still in flight
    world.send(orderCommand('o-1', { type: 'CancelOrder', data: { orderId: 'o-1' } }));
    world.drain();

    expect(world.order('o-1').status).toBe('CANCELLED');
    expect(world.product('A')).toMatchObject({ reserved: 0, reservations: {} });
    expect(world.product('B')).toMatchObject({ reserved: 0, reservations: {} });
  });

  it('leaves nothing reserved when an order is rejected explicitly while reservations are in flight', () => {
    const world = new World();
    stocked(world, 'A', 5);
    stocked(world, 'B', 5);
    world.send(
      order('o-1', [
        ['A', 2],
        ['B', 3],
      ]),
    );
    world.send(orderCommand('o-1', { type: 'RejectOrder', data: { orderId: 'o-1', reason: 'operator' } }));
    world.drain();

    expect(world.order('o-1').status).toBe('REJECTED');
    expect(world.product('A')).toMatchObject({ reserved: 0, reservations: {} });
    expect(world.product('B')).toMatchObject({ reserved: 0, reservations: {} });
  });

  it('never oversells when two orders compete for the last units', () => {
    const world = new World();
    stocked(world, 'A', 3);
    world.send(order('o-1', [['A', 2]]));
    world.send(order('o-2', [['A', 2]]));
    world.drain();
    const statuses = [world.order('o-1').status, world.order('o-2').status].sort();
    expect(statuses).toEqual(['CONFIRMED', 'REJECTED']);
    expect(world.product('A')).toMatchObject({ onHand: 3, reserved: 2 });
  });
});
