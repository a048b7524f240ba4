import type { EventEnvelope } from '../event-envelope';
import { AggregateRecord, OUTCOME_KEY_PREFIX, PartitionLog, PENDING_POSITION } from '../partition-log.port';
import { decodePosition } from '../position';

/**
 * One behaviour for every PartitionLog: the in-memory twin (unit tier) and the Kafka log
 * (integration tier) both run this suite, so the twin cannot drift from the real thing.
 * `open` must return a log for a fresh partition; `reopen` a new log over the same partition
 * (what a new owner gets after a rebalance or a restart).
 */
export function partitionLogContract(
  name: string,
  harness: () => {
    open(): Promise<PartitionLog>;
    reopen(): Promise<PartitionLog>;
    /** Makes the log's next commit fail after its append, before the commit. */
    breakNextCommit(log: PartitionLog): void;
  },
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
      expect((await log.restore()).aggregates.size).toBe(0);
    });

    it('gives each appended event a position, in append order', async () => {
      await log.restore();
      const first = await log.commit({ events: [event('A', 1), event('A', 2)], records: [] });
      const second = await log.commit({ events: [event('B', 1)], records: [] });
      const offsets = [...first, ...second].map((p) => BigInt(decodePosition(p)!.offset));

      expect(offsets).toHaveLength(3);
      expect(offsets[1]).toBe(offsets[0] + 1n);
      expect(offsets[2] > offsets[1]).toBe(true);
    });

    it('restores, for a new owner, the latest committed record of every aggregate', async () => {
      await log.restore();
      const [a1] = await log.commit({ events: [event('A', 1)], records: [record('A', 1, PENDING_POSITION)] });
      await log.commit({ events: [], records: [record('C', 1, a1)] });
      const positions = await log.commit({
        events: [event('A', 2), event('B', 1)],
        records: [record('A', 2, PENDING_POSITION), record('B', 1, PENDING_POSITION)],
      });
      await log.close();
      log = await harness().reopen();
      const restored = (await log.restore()).aggregates;
      const offset = (p: string | null | undefined) => BigInt(decodePosition(p ?? '')?.offset ?? -1);

      expect(restored.get('A')).toMatchObject({ version: 2, state: { version: 2, onHand: 2 } });
      expect(restored.get('C')!.lastPosition).toBe(a1);
      // A position unknown when the record was written comes back at or after the true one.
      expect(offset(restored.get('A')!.lastPosition) >= offset(positions[0])).toBe(true);
      expect(offset(restored.get('B')!.lastPosition) >= offset(positions[1])).toBe(true);
    });

    it('restores outcome records with their pending offsets resolved, and forgets tombstoned ones', async () => {
      await log.restore();
      const outcome = (key: string, commandId: string) => ({
        key: `${OUTCOME_KEY_PREFIX}${key}`,
        at: 1000,
        outcomes: [{ commandId, fingerprint: 'f', version: 1, offset: PENDING_POSITION as typeof PENDING_POSITION }],
      });
      const [p1] = await log.commit({ events: [event('A', 1)], records: [], outcomes: outcome('0:a', 'c-a') });
      await log.commit({ events: [event('B', 1)], records: [], outcomes: outcome('0:b', 'c-b') });
      await log.commit({ events: [], records: [], forgetOutcomes: [`${OUTCOME_KEY_PREFIX}0:b`] });
      await log.close();
      log = await harness().reopen();
      const { outcomes } = await log.restore();

      expect(outcomes.map((o) => o.outcomes[0].commandId)).toEqual(['c-a']);
      expect(Number(outcomes[0].outcomes[0].offset) >= Number(decodePosition(p1)!.offset)).toBe(true);
    });

    it("reads back every committed event in offset order, and nothing of an aborted commit (a rebuild's input)", async () => {
      await log.restore();
      await log.commit({ events: [event('A', 1), event('B', 1)], records: [] });
      harness().breakNextCommit(log);
      await expect(log.commit({ events: [event('X', 1)], records: [] })).rejects.toThrow();
      await log.close();
      log = await harness().reopen();
      await log.restore();
      await log.commit({ events: [event('A', 2)], records: [] });
      const seen: { offset: string; id: string; key: string | null }[] = [];
      await log.readEvents((r) => seen.push({ offset: r.offset, id: JSON.parse(r.value!.toString()).eventId, key: r.key }));

      expect(seen.map((r) => r.id)).toEqual(['A-1', 'B-1', 'A-2']);
      expect(seen.map((r) => r.key)).toEqual(['A', 'B', 'A']); // the aggregate id: a rebuild tells foreign records by it
      expect(seen.map((r) => Number(r.offset))).toEqual([...seen.map((r) => Number(r.offset))].sort((a, b) => a - b));
    });

    it('restores the next input offset of the last committed commit, none of an aborted one', async () => {
      expect((await log.restore()).nextInputOffset).toBeUndefined();
      await log.commit({ events: [event('A', 1)], records: [record('A', 1, PENDING_POSITION)], nextInputOffset: '3' });
      await log.commit({ events: [], records: [], nextInputOffset: '5' });
      harness().breakNextCommit(log);
      await expect(log.commit({ events: [event('A', 2)], records: [], nextInputOffset: '9' })).rejects.toThrow();
      await log.close();
      log = await harness().reopen();
      const restored = await log.restore();

      expect(restored.nextInputOffset).toBe('5');
      // The offset's record is not an aggregate.
      expect([...restored.aggregates.keys()]).toEqual(['A']);
    });

    it('keeps nothing of a commit that failed after its append', async () => {
      await log.restore();
      harness().breakNextCommit(log);
      await expect(log.commit({ events: [event('X', 1)], records: [record('X', 1, PENDING_POSITION)], nextInputOffset: '1' })).rejects.toThrow();
      await log.close();
      log = await harness().reopen();

      expect((await log.restore()).aggregates.has('X')).toBe(false);
    });
  });
}
