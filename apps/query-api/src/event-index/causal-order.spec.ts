import { causalOrder, type EventView } from './event-index-reader.service';

const event = (eventId: string, aggregateId: string, version: number, occurredAt: string, causationId: string | null = null): EventView => ({
  eventId,
  context: aggregateId.startsWith('sku') ? 'inventory' : 'orders',
  aggregateType: aggregateId.startsWith('sku') ? 'Product' : 'Order',
  aggregateId,
  version,
  type: 'T',
  schemaVersion: 1,
  payload: {},
  occurredAt: `2026-03-01T10:00:0${occurredAt}.000Z`,
  commandId: eventId,
  correlationId: 'c',
  causationId,
  topic: 't',
  partition: 0,
  offset: String(version),
});

describe('causal order of a correlation trace', () => {
  it('puts a cause before its effects even when clocks say otherwise, and a stream in version order', () => {
    const placed = event('placed', 'o', 1, '5');
    // Another partition's clock runs behind: the reservation "occurred" before the order it answers.
    const reserved = event('reserved', 'sku-a', 2, '1', 'placed');
    const line = event('line', 'o', 2, '2', 'reserved');
    const confirmed = event('confirmed', 'o', 3, '3', 'line');
    expect(causalOrder([confirmed, line, reserved, placed]).map((e) => e.eventId)).toEqual(['placed', 'reserved', 'line', 'confirmed']);
  });

  it('orders independent events by time, and keeps events of a causation cycle instead of losing them', () => {
    const a = event('a', 'o1', 1, '2');
    const b = event('b', 'o2', 1, '1');
    expect(causalOrder([a, b]).map((e) => e.eventId)).toEqual(['b', 'a']);
    const x = event('x', 'o3', 1, '1', 'y');
    const y = event('y', 'o4', 1, '2', 'x');
    expect(causalOrder([y, x]).map((e) => e.eventId)).toEqual(['x', 'y']);
  });
});
