import type { EventEnvelope } from '../event-envelope';
import type { AggregateRecord, PartitionLog } from '../partition-log.port';
import { decodePosition } from '../position';

/**
 * One behaviour for every PartitionLog: the in-memory twin (unit tier) and the Kafka log
 * (integration tier) both run this suite, so the twin cannot drift from the real thing.
 * `open` must return a log for a fresh partition; `reopen` a new log over the same partition
 * (what a new owner gets after a rebalance or a restart).
 */
export function partitionLogContract(
  name: string,
  harness: () => { open(): Promise<PartitionLog>; reopen(): Promise<PartitionLog> },
): void {
  const event = (aggregateId: string, version: number): EventEnvelope => ({
    eventId: `${aggregateId}-${version}`,
    type: 'StockReceived',
    schemaVersion: 1,
    context: 'inventory',
    aggregateType: 'Product',
    aggregateId,
    version,
    commandId: `cmd-${aggregateId}-${version}`,
    correlationId: 'c',
    causationId: null,
    occurredAt: '2026-01-01T00:00:00.000Z',
    payload: { sku: aggregateId, quantity: version },
  });
  const record = (aggregateId: string, version: number, position: string | null): AggregateRecord => ({
    aggregateId,
    version,
    state: { version, onHand: version },
    lastPosition: position,
    recentCommands: [],
  });

  describe(`${name} (partition log contract)`, () => {
    let log: PartitionLog;
    beforeEach(async () => {
      log = await harness().open();
    });
    afterEach(async () => {
      await log.close();
    });

    it('restores nothing for a partition that was never written', async () => {
      expect((await log.restore()).size).toBe(0);
    });

    it('gives each appended event a position, in append order', async () => {
      await log.restore();
      const first = await log.commit({ events: [event('A', 1), event('A', 2)], records: () => [], replies: [] });
      const second = await log.commit({ events: [event('B', 1)], records: () => [], replies: [] });
      const offsets = [...first, ...second].map((p) => BigInt(decodePosition(p)!.offset));

      expect(offsets).toHaveLength(3);
      expect(offsets[1]).toBe(offsets[0] + 1n);
      expect(offsets[2] > offsets[1]).toBe(true);
    });

    it('restores, for a new owner, the latest committed record of every aggregate', async () => {
      await log.restore();
      await log.commit({ events: [event('A', 1)], records: (p) => [record('A', 1, p[0])], replies: [] });
      const positions = await log.commit({ events: [event('A', 2), event('B', 1)], records: (p) => [record('A', 2, p[0]), record('B', 1, p[1])], replies: [] });
      await log.close();
      log = await harness().reopen();
      const restored = await log.restore();

      expect(restored.get('A')).toEqual(record('A', 2, positions[0]));
      expect(restored.get('B')).toEqual(record('B', 1, positions[1]));
    });

    it('keeps nothing of a commit that failed half way', async () => {
      await log.restore();
      await expect(
        log.commit({
          events: [event('X', 1)],
          records: () => {
            throw new Error('crash between the events and the records');
          },
          replies: [],
        }),
      ).rejects.toThrow('crash between');
      await log.close();
      log = await harness().reopen();

      expect((await log.restore()).has('X')).toBe(false);
    });
  });
}
