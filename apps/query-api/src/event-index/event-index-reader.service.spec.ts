import { causalOrder, foldPages, type EventView } from './event-index-reader.service';

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

describe('causal order of a large trace', () => {
  it('orders 10,000 independent events by time (what it costs: bench/read-side/event-index.bench.ts)', () => {
    // Anyone can put thousands of events under one correlation id.
    const events = Array.from({ length: 10_000 }, (_, i) => ({
      ...event(`e${i}`, `o${i}`, 1, '0'),
      occurredAt: new Date(Date.UTC(2026, 2, 1) + (10_000 - i) * 1000).toISOString(),
    }));
    const ordered = causalOrder(events);
    expect(ordered.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId).reverse());
  });
});

describe('a fold of an aggregate history, page by page', () => {
  const history = Array.from({ length: 7 }, (_, i) => event(`e${i + 1}`, 'o', i + 1, '1'));
  const pager = (asked: [number, number][]) => async (after: number, through: number) => {
    asked.push([after, through]);
    return history.filter((e) => e.version > after && e.version <= through);
  };

  it('given 7 events and pages of 3, when folded through version 7, then reads the ranges (0,3] (3,6] (6,7] and folds every event once in order', async () => {
    const asked: [number, number][] = [];
    const folded = await foldPages(pager(asked), (seen: number[], e) => [...seen, e.version], [], { throughVersion: 7, pageSize: 3, gone: () => false });
    expect(asked).toEqual([
      [0, 3],
      [3, 6],
      [6, 7],
    ]);
    expect(folded).toMatchObject({ state: [1, 2, 3, 4, 5, 6, 7], last: { version: 7 } });
  });

  it('given a bound at a page boundary, when folded, then stops there', async () => {
    const asked: [number, number][] = [];
    const folded = await foldPages(pager(asked), (n: number) => n + 1, 0, { throughVersion: 6, pageSize: 3, gone: () => false });
    expect([asked, folded.state, folded.last?.version]).toEqual([
      [
        [0, 3],
        [3, 6],
      ],
      6,
      6,
    ]);
  });

  it('given a client that hung up after the first page, when folded, then it stops with a timeout instead of reading the rest', async () => {
    const asked: [number, number][] = [];
    let pages = 0;
    await expect(foldPages(pager(asked), (n: number) => n + 1, 0, { throughVersion: 7, pageSize: 3, gone: () => pages++ > 0 })).rejects.toThrow(
      /closed the connection/,
    );
    expect(asked).toEqual([[0, 3]]);
  });

  it('given pages that match nothing (an `at` before every event), when folded, then the initial state and no last event', async () => {
    expect(
      await foldPages(
        async () => [],
        (n: number) => n + 1,
        0,
        { throughVersion: 7, pageSize: 3, gone: () => false },
      ),
    ).toEqual({ state: 0, last: undefined });
  });
});
