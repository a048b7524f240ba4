import type { BoundedContext } from '@es/domain';
import type { CommandReply } from './command-envelope';
import type { EventEnvelope } from './event-envelope';
import type { AggregateRecord, PartitionCommit, PartitionLog } from './partition-log.port';
import { encodePosition } from './position';

/**
 * The in-memory twin of the Kafka partition log: same contract (tests in
 * partition-log.contract.ts run against both), no broker. Used by unit tests of the processor.
 */
export class InMemoryPartitionLog implements PartitionLog {
  readonly events: EventEnvelope[] = [];
  readonly replies: { replyTo: string; reply: CommandReply }[] = [];
  readonly inputOffsets: string[] = [];
  private readonly records = new Map<string, AggregateRecord>();
  private failNext?: Error;

  constructor(readonly context: BoundedContext, readonly partition: number) {}

  /** Makes the next commit fail as a whole, as an aborted Kafka transaction would. */
  failNextCommit(error: Error): void {
    this.failNext = error;
  }

  async restore(): Promise<Map<string, AggregateRecord>> {
    return new Map(JSON.parse(JSON.stringify([...this.records])));
  }

  async commit(commit: PartitionCommit): Promise<readonly string[]> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    const base = this.events.length;
    const positions = commit.events.map((_, i) =>
      encodePosition({ context: this.context, partition: this.partition, offset: String(base + i) }),
    );
    // Everything is computed before anything is kept: a throw leaves the log as it was.
    const records = commit.records(positions).map((r) => JSON.parse(JSON.stringify(r)) as AggregateRecord);
    const replies = commit.replies.map((r) => ({ replyTo: r.replyTo, reply: r.build(positions) }));
    this.events.push(...commit.events);
    for (const record of records) this.records.set(record.aggregateId, record);
    this.replies.push(...replies);
    if (commit.nextInputOffset !== undefined) this.inputOffsets.push(commit.nextInputOffset);
    return positions;
  }

  async close(): Promise<void> {}
}
