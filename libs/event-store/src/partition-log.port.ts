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

export interface PendingReply {
  readonly replyTo: string;
  /** Filled by the log with the events' real positions before it is sent. */
  readonly build: (positions: readonly string[]) => CommandReply;
}

/** One atomic unit of the write side: all of it becomes visible, or none of it. */
export interface PartitionCommit {
  readonly events: readonly EventEnvelope[];
  /** Called with each event's position token (same order as `events`) to finish the records. */
  readonly records: (positions: readonly string[]) => readonly AggregateRecord[];
  readonly replies: readonly PendingReply[];
  /** The next command offset to consume: committed with the rest (exactly-once input). */
  readonly nextInputOffset?: string;
}

/**
 * The store port of the write side, per partition. Only the partition's owner writes it; the
 * Kafka implementation enforces that with a transactional id per partition (a zombie is fenced).
 */
export interface PartitionLog {
  readonly partition: number;
  /** Every aggregate's latest record, as committed. */
  restore(): Promise<Map<string, AggregateRecord>>;
  /** Appends atomically and returns the events' position tokens. */
  commit(commit: PartitionCommit): Promise<readonly string[]>;
  close(): Promise<void>;
}
