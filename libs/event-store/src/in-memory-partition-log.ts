import type { BoundedContext } from '@es/domain';
import type { EventEnvelope } from './event-envelope';
import { serializeEvent } from './event-serializer';
import {
  AddressedReply,
  AggregateRecord,
  EventRecord,
  OutcomeRecord,
  OutcomeSnapshot,
  PartitionCommit,
  PartitionLog,
  resolveRestored,
  RestoredPartition,
} from './partition-log.port';
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
  /** The state partition's outcome records by key, as compaction would leave them. */
  readonly outcomeRecords = new Map<string, OutcomeRecord>();
  readonly outcomeSnapshots = new Map<string, OutcomeSnapshot>();
  private readonly rawEvents = new Map<number, Buffer | null>();
  private readonly rawKeys = new Map<number, string | null>();
  private failNext?: Error;

  constructor(
    readonly context: BoundedContext,
    readonly partition: number,
  ) {}

  /** Makes the next commit fail as a whole, as an aborted Kafka transaction would. */
  failNextCommit(error: Error): void {
    this.failNext = error;
  }

  async restore(): Promise<RestoredPartition> {
    const last = this.events.length - 1;
    const end = last >= 0 ? { offset: last, token: this.position(last) } : null;
    const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
    const snapshots = [...this.outcomeSnapshots.values()].map((o) => ({ ...o, data: Buffer.from(o.data) }));
    return resolveRestored(
      new Map(copy([...this.records])),
      copy([...this.outcomeRecords.values()]),
      snapshots,
      end,
      0,
      this.inputOffsets[this.inputOffsets.length - 1],
    );
  }

  async readEvents(visit: (record: EventRecord) => void, onProgress?: (offset: number, end: number) => void): Promise<void> {
    const end = this.events.length;
    for (let i = 0; i < end; i += 1) {
      const stored = serializeEvent(this.events[i]);
      visit({
        offset: String(i),
        key: this.rawKeys.has(i) ? this.rawKeys.get(i)! : stored.key,
        value: this.rawEvents.has(i) ? this.rawEvents.get(i)! : stored.value,
      });
      onProgress?.(i, end);
    }
  }

  /** Test seam: replaces the stored bytes of the event at `offset` (a poison event), and its key when given. */
  corruptEvent(offset: number, value: Buffer | null, key?: string | null): void {
    this.rawEvents.set(offset, value);
    if (key !== undefined) this.rawKeys.set(offset, key);
  }

  /** Test seam: what a lost, compacted-away or reset state topic looks like. */
  dropState(): void {
    this.records.clear();
    this.outcomeRecords.clear();
    this.outcomeSnapshots.clear();
    this.inputOffsets.length = 0;
  }

  /** Test seam: overwrites one aggregate record as it is stored. */
  putRecord(record: AggregateRecord): void {
    this.records.set(record.aggregateId, JSON.parse(JSON.stringify(record)) as AggregateRecord);
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
    const state = commit.stateFor ? commit.stateFor(positions) : { records: commit.records, outcomes: commit.outcomes };
    const records = state.records.map((r) => JSON.parse(JSON.stringify(r)) as AggregateRecord);
    this.events.push(...commit.events);
    for (const record of records) this.records.set(record.aggregateId, record);
    if (state.outcomes) this.outcomeRecords.set(state.outcomes.key, JSON.parse(JSON.stringify(state.outcomes)) as OutcomeRecord);
    for (const snapshot of commit.outcomeSnapshots ?? []) this.outcomeSnapshots.set(snapshot.key, { ...snapshot, data: Buffer.from(snapshot.data) });
    for (const key of commit.forgetOutcomes ?? []) {
      this.outcomeRecords.delete(key);
      this.outcomeSnapshots.delete(key);
    }
    if (commit.nextInputOffset !== undefined) this.inputOffsets.push(commit.nextInputOffset);
    return positions;
  }

  async close(): Promise<void> {}
}
