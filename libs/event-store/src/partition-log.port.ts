import type { CommandReply } from './command-envelope';
import type { EventEnvelope } from './event-envelope';

/**
 * A remembered command outcome as records written before the time-window idempotency carried them
 * (the last 32 per aggregate). Still read on restore, never written.
 */
export interface RecentCommand {
  readonly commandId: string;
  readonly fingerprint: string;
  readonly version: number;
  readonly position: string | null;
}

/**
 * The outcomes of one commit's successful commands, persisted as one record of the state partition
 * (key `__outcomes__:<bucket start>:<unique>`) in the same transaction as their events, and removed
 * with a tombstone once the idempotency window has passed. `offset` is the aggregate's last event
 * offset in this partition, PENDING_POSITION for an event of the same commit (resolved on restore
 * like a record's lastPosition), or null.
 */
export interface OutcomeRecord {
  readonly key: string;
  /** When the commands were decided (epoch ms). */
  readonly at: number;
  readonly outcomes: readonly {
    readonly commandId: string;
    readonly fingerprint: string;
    readonly version: number;
    readonly offset: number | null | typeof PENDING_POSITION;
  }[];
}

export const OUTCOME_KEY_PREFIX = '__outcomes__:';

/**
 * A sealed time bucket of the idempotency memory, in binary (OutcomeIndex.seal): written once the
 * bucket's time is past, so that a restore reads a few MB per bucket instead of one small JSON
 * record per commit. Key `__outcomes__:<bucket start>:sealed:<chunk>`.
 */
export interface OutcomeSnapshot {
  readonly key: string;
  readonly bucket: number;
  readonly data: Buffer;
}

export const outcomeSnapshotKey = (bucket: number, chunk: number) => `${OUTCOME_KEY_PREFIX}${bucket}:sealed:${chunk}`;

/** The bucket of a snapshot key, or undefined for any other key. */
export function snapshotBucketOf(key: string): number | undefined {
  const match = /^__outcomes__:(\d+):sealed:\d+$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

/** What a new owner finds in a partition: every aggregate's latest record and the remembered outcomes. */
export interface RestoredPartition {
  readonly aggregates: Map<string, AggregateRecord>;
  /** Outcome records as committed, PENDING_POSITION resolved to the events partition's end. */
  readonly outcomes: readonly OutcomeRecord[];
  readonly snapshots: readonly OutcomeSnapshot[];
  /** Aggregate records that did not decode: never dropped silently, they make the owner rebuild. */
  readonly undecodable: number;
  /** The events partition's end offset at restore time (0: no event was ever appended). */
  readonly eventsEnd: number;
  /**
   * The next command offset to consume, as the last commit recorded it in the state partition
   * (INPUT_OFFSET_KEY); undefined when no commit recorded one (a new or wiped state partition).
   */
  readonly nextInputOffset?: string;
}

/**
 * Key of the state partition's record that holds the next command offset to consume. It is written
 * in the same transaction as the commit's events, so "consumed" and "applied" can never disagree
 * (exactly-once input), without the two extra round trips of a transactional offset commit to the
 * consumer group (AddOffsetsToTxn + TxnOffsetCommit). Compaction keeps the latest one.
 */
export const INPUT_OFFSET_KEY = '__input_offset__';

/** A record of the events partition as a rebuild reads it. */
export interface EventRecord {
  readonly offset: string;
  /** The record's key: the aggregate id for every event we write (serializeEvent). */
  readonly key: string | null;
  readonly value: Buffer | null;
}

/**
 * The state of one aggregate as the single writer of its partition knows it; written to the
 * compacted state topic in the same transaction as the events it reflects.
 */
export interface AggregateRecord<S = unknown> {
  readonly aggregateId: string;
  /** Format version of `state` (the context's stateVersion); absent in records of the first version. */
  readonly stateVersion?: number;
  readonly version: number;
  readonly state: S;
  /** Position token of the aggregate's last event, returned to no-op and duplicate commands. */
  readonly lastPosition: string | null;
  /** Only in records written before outcomes moved to OutcomeRecords; read, never written. */
  readonly recentCommands?: readonly RecentCommand[];
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
  /** The outcomes of this commit's successful commands (idempotency memory). */
  readonly outcomes?: OutcomeRecord;
  /**
   * Used instead of `records` and `outcomes` when given: built once the log has appended the events
   * and knows their positions, so the state records carry exact positions instead of PENDING_POSITION.
   */
  readonly stateFor?: (positions: readonly string[]) => { readonly records: readonly AggregateRecord[]; readonly outcomes?: OutcomeRecord };
  /** Sealed buckets, each chunk in a record batch of its own (they are large). */
  readonly outcomeSnapshots?: readonly OutcomeSnapshot[];
  /** Keys of outcome records whose window has passed: written as tombstones. */
  readonly forgetOutcomes?: readonly string[];
  /**
   * The next command offset to consume: recorded in the state partition with the rest (exactly-once
   * input), and returned by the next restore().
   */
  readonly nextInputOffset?: string;
}

/**
 * The store port of the write side, per partition. Only the partition's owner writes it; the
 * Kafka implementation enforces that with a transactional id per partition (a zombie is fenced).
 */
export interface PartitionLog {
  readonly partition: number;
  /** Every aggregate's latest record and every outcome record, as committed, with PENDING_POSITION resolved. */
  restore(): Promise<RestoredPartition>;
  /**
   * Visits every committed record of the events partition from offset 0 up to its end at the time of
   * the call, in offset order (a rebuild of the aggregates from the source of truth). Call it after
   * restore(): the fencing it did makes that end final.
   */
  readEvents(visit: (record: EventRecord) => void, onProgress?: (offset: number, end: number) => void): Promise<void>;
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

/**
 * Turns what a restore read into what a new owner may use: PENDING_POSITION becomes the events
 * partition's last offset at restore time (after fencing every earlier transaction is resolved, so
 * that end is at or after every position a record could not know when it was written).
 */
export function resolveRestored(
  aggregates: Map<string, AggregateRecord>,
  outcomes: readonly OutcomeRecord[],
  snapshots: readonly OutcomeSnapshot[],
  end: { readonly offset: number; readonly token: string } | null,
  undecodable: number,
  nextInputOffset?: string,
): RestoredPartition {
  const token = (p: string | null) => (p === PENDING_POSITION ? (end?.token ?? null) : p);
  const offset = (o: number | null | typeof PENDING_POSITION) => (o === PENDING_POSITION ? (end?.offset ?? null) : o);
  for (const [id, r] of aggregates) {
    aggregates.set(id, {
      ...r,
      lastPosition: token(r.lastPosition),
      ...(r.recentCommands ? { recentCommands: r.recentCommands.map((c) => ({ ...c, position: token(c.position) })) } : {}),
    });
  }
  return {
    aggregates,
    outcomes: outcomes.map((o) => ({ ...o, outcomes: o.outcomes.map((e) => ({ ...e, offset: offset(e.offset) })) })),
    snapshots,
    undecodable,
    eventsEnd: end ? end.offset + 1 : 0,
    ...(nextInputOffset !== undefined ? { nextInputOffset } : {}),
  };
}
