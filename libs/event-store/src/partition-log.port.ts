import type { CommandReply } from './command-envelope';
import type { EventEnvelope } from './event-envelope';

/** A remembered command outcome, kept per aggregate for idempotency. */
export interface RecentCommand {
  readonly commandId: string;
  readonly fingerprint: string;
  readonly version: number;
  readonly position: string | null;
}

/**
 * The state of one aggregate as the single writer of its partition knows it; written to the
 * compacted state topic in the same transaction as the events it reflects.
 */
export interface AggregateRecord<S = unknown> {
  readonly aggregateId: string;
  readonly version: number;
  readonly state: S;
  /** Position token of the aggregate's last event, returned to no-op and duplicate commands. */
  readonly lastPosition: string | null;
  readonly recentCommands: readonly RecentCommand[];
}

/**
 * Written in place of a position that is not known yet: the positions of a commit's own events exist
 * only once the broker appended them, and the records travel in the same append. A restore turns it
 * into a position at or after the true one (the partition's end), which keeps read-your-writes
 * correct: waiting for a later offset of an already committed log only ever waits a little longer.
 */
export const PENDING_POSITION = 'pending';

export interface AddressedReply {
  readonly replyTo: string;
  readonly reply: CommandReply;
}

/** One atomic unit of the write side: all of it becomes visible, or none of it. */
export interface PartitionCommit {
  readonly events: readonly EventEnvelope[];
  /** The touched aggregates' records; positions of this commit's own events are PENDING_POSITION. */
  readonly records: readonly AggregateRecord[];
  /** The next command offset to consume: committed with the rest (exactly-once input). */
  readonly nextInputOffset?: string;
}

/**
 * The store port of the write side, per partition. Only the partition's owner writes it; the
 * Kafka implementation enforces that with a transactional id per partition (a zombie is fenced).
 */
export interface PartitionLog {
  readonly partition: number;
  /** Every aggregate's latest record, as committed, with PENDING_POSITION resolved. */
  restore(): Promise<Map<string, AggregateRecord>>;
  /** Appends atomically and returns the events' position tokens. */
  commit(commit: PartitionCommit): Promise<readonly string[]>;
  /**
   * Outcomes for the waiting command APIs, after a successful commit. Deliberately outside the
   * transaction (one round trip less per commit): a reply lost in a crash is a 504 for the client,
   * whose retry with the same command id gets the remembered outcome.
   */
  reply(replies: readonly AddressedReply[]): Promise<void>;
  close(): Promise<void>;
}
