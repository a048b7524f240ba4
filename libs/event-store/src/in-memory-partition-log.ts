import type { BoundedContext } from '@es/domain';
import type { EventEnvelope } from './event-envelope';
import { AddressedReply, AggregateRecord, PartitionCommit, PartitionLog, PENDING_POSITION } from './partition-log.port';
import { encodePosition } from './position';

/**
 * The in-memory twin of the Kafka partition log: same contract (tests in
 * partition-log.contract.ts run against both), no broker. Used by unit tests of the processor.
 */
export class InMemoryPartitionLog implements PartitionLog {
  readonly events: EventEnvelope[] = [];
  readonly replies: AddressedReply[] = [];
  readonly inputOffsets: string[] = [];
  private readonly records = new Map<string, AggregateRecord>();
  private failNext?: Error;

  constructor(readonly context: BoundedContext, readonly partition: number) {}

  /** Makes the next commit fail as a whole, as an aborted Kafka transaction would. */
  failNextCommit(error: Error): void {
    this.failNext = error;
  }

  async restore(): Promise<Map<string, AggregateRecord>> {
    const end = this.events.length > 0 ? this.position(this.events.length - 1) : null;
    const resolve = (p: string | null) => (p === PENDING_POSITION ? end : p);
    const copy = JSON.parse(JSON.stringify([...this.records])) as [string, AggregateRecord][];
    return new Map(
      copy.map(([id, r]) => [
        id,
        { ...r, lastPosition: resolve(r.lastPosition), recentCommands: r.recentCommands.map((c) => ({ ...c, position: resolve(c.position) })) },
      ]),
    );
  }

  async reply(replies: readonly AddressedReply[]): Promise<void> {
    this.replies.push(...replies);
  }

  private position(index: number): string {
    return encodePosition({ context: this.context, partition: this.partition, offset: String(index) });
  }

  async commit(commit: PartitionCommit): Promise<readonly string[]> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    const base = this.events.length;
    const positions = commit.events.map((_, i) => this.position(base + i));
    // Everything is computed before anything is kept: a throw leaves the log as it was.
    const records = commit.records.map((r) => JSON.parse(JSON.stringify(r)) as AggregateRecord);
    this.events.push(...commit.events);
    for (const record of records) this.records.set(record.aggregateId, record);
    if (commit.nextInputOffset !== undefined) this.inputOffsets.push(commit.nextInputOffset);
    return positions;
  }

  async close(): Promise<void> {}
}
