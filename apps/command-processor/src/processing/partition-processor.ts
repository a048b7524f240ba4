import {
  EVENT_SCHEMA_VERSIONS,
  IdempotencyMismatchError,
  isDomainError,
  toErrorPayload,
  ValidationError,
  type BoundedContextDefinition,
  type Command,
  type DomainError,
  type DomainEvent,
  type Versioned,
} from '@es/domain';
import { randomUUID } from 'node:crypto';
import {
  AggregateRecord,
  CommandEnvelope,
  CommandReply,
  decodePosition,
  encodePosition,
  eventIdFor,
  EventEnvelope,
  OUTCOME_KEY_PREFIX,
  OutcomeIndex,
  OutcomeRecord,
  OutcomeSnapshot,
  outcomeSnapshotKey,
  PartitionLog,
  PENDING_POSITION,
} from '@es/event-store';
import { foldPartition, rebuildReason, type FoldedPartition } from './state-rebuild';

const MAX_TOMBSTONES_PER_COMMIT = 1000;
/** A rebuild rewrites the state partition in commits of this many records (the broker caps batches at 16 MiB). */
const REBUILD_RECORDS_PER_COMMIT = 2000;
/** Snapshot chunks (3.6 MB each) per rebuild commit: bounds a transaction to ~15 MB. */
const REBUILD_SNAPSHOTS_PER_COMMIT = 4;

/** A reply whose positions are filled in once the append told us the events' offsets. */
interface PendingReply {
  readonly replyTo: string;
  readonly build: (positions: readonly string[]) => CommandReply;
}

/** A command as it came off the topic: parsed, or not parseable (still consumed exactly once). */
export interface IncomingCommand {
  readonly offset: string;
  readonly envelope?: CommandEnvelope;
  readonly replyTo?: string;
  readonly commandId?: string;
  readonly requestId?: string;
  readonly problem?: string;
}

export interface PartitionProcessorOptions {
  /** Name of the events topic, for poison-event reports (default `<context>.events`). */
  readonly eventsTopic?: string;
  /** Reports a rebuild of the partition's aggregates from its events (why, how many, how long). */
  readonly onRebuild?: (info: {
    reason: string;
    events: number;
    aggregates: number;
    ms: number;
    foldMs: number;
    writeMs: number;
    /** Records of the events partition that are no event (foldPartition), skipped: their count and first offsets. */
    foreign: FoldedPartition['foreign'];
  }) => void;
  readonly onRebuildProgress?: (offset: number, end: number) => void;
  /** How long a successful command's outcome is remembered: a retry within it gets that outcome. */
  readonly idempotencyWindowMs: number;
  readonly clock: () => string;
  readonly onUnexpectedError?: (error: Error, command: CommandEnvelope) => void;
  readonly onReplyError?: (error: Error) => void;
}

export interface BatchOutcome {
  readonly commands: number;
  readonly events: number;
  readonly rejected: number;
  readonly duplicates: number;
}

type PositionRef = { readonly kind: 'batch'; readonly index: number } | { readonly kind: 'known'; readonly token: string | null };

interface StagedRecord {
  readonly aggregateId: string;
  readonly state: Versioned;
  readonly lastPosition: PositionRef;
}

interface StagedOutcome {
  readonly commandId: string;
  readonly fingerprint: string;
  readonly version: number;
  readonly position: PositionRef;
}

/**
 * The single writer of one partition of one context: it holds every aggregate of the partition in
 * memory (restored from the compacted state topic on assignment) and turns a batch of commands into
 * one atomic commit — events, new aggregate records, replies and the consumed offset (group commit).
 * Memory is only updated after the commit succeeded, so it never runs ahead of the log.
 */
export class PartitionProcessor {
  private records = new Map<string, AggregateRecord>();
  private outcomes: OutcomeIndex;
  /** Keys of the persisted outcome records (per commit) and snapshots per index bucket, tombstoned when the bucket expires. */
  private outcomeKeys = new Map<number, string[]>();
  private snapshotKeys = new Map<number, string[]>();
  /** Outcome record keys to tombstone with the next commit. */
  private forget: string[] = [];
  /**
   * The next command offset to consume, as committed in the state partition: commands below it were
   * decided and committed already (the consumer group's offset is committed lazily, outside the
   * transaction, and may lag behind after a restart or a rebalance). Undefined: nothing recorded.
   */
  private nextInput?: bigint;

  constructor(
    private readonly definition: BoundedContextDefinition<Command, DomainEvent, Versioned>,
    private readonly log: PartitionLog,
    private readonly options: PartitionProcessorOptions,
  ) {
    this.outcomes = new OutcomeIndex(options.idempotencyWindowMs);
  }

  /** Remembered outcomes (idempotency) held in memory. */
  get outcomeCount(): number {
    return this.outcomes.size;
  }

  get partition(): number {
    return this.log.partition;
  }

  get aggregateCount(): number {
    return this.records.size;
  }

  /**
   * Restores the partition's aggregates and idempotency memory from the state topic — or, when that
   * cache cannot be trusted (rebuildReason) or `force` says so, rebuilds them from the events
   * partition with the current decider and writes fresh state records (in this owner's fenced
   * transactions) before any command is served. Throws PoisonEventError when an event cannot be folded.
   */
  async restore({ force = false }: { force?: boolean } = {}): Promise<void> {
    const restored = await this.log.restore();
    this.nextInput = restored.nextInputOffset !== undefined ? BigInt(restored.nextInputOffset) : undefined;
    const now = Date.parse(this.options.clock());
    const reason = force ? 'requested' : rebuildReason(restored, this.definition.stateVersion);
    this.outcomes = new OutcomeIndex(this.options.idempotencyWindowMs);
    this.outcomeKeys = new Map();
    this.snapshotKeys = new Map();
    this.forget = [];
    const expired = (bucket: number) => bucket + this.outcomes.bucketMs + this.outcomes.windowMs <= now;
    for (const snapshot of restored.snapshots) {
      if (expired(snapshot.bucket)) {
        this.forget.push(snapshot.key);
        continue;
      }
      this.outcomes.load(snapshot.bucket, snapshot.data);
      this.keysIn(this.snapshotKeys, snapshot.bucket).push(snapshot.key);
    }
    for (const record of restored.outcomes) {
      const bucket = this.outcomes.bucketStart(record.at);
      if (expired(bucket)) {
        this.forget.push(record.key);
        continue;
      }
      for (const o of record.outcomes) {
        this.outcomes.remember({ ...o, offset: o.offset === PENDING_POSITION ? null : o.offset }, record.at);
      }
      this.keysOf(bucket).push(record.key);
    }
    if (reason === undefined) {
      this.records = restored.aggregates;
      // Records written before outcomes had their own records carry the last 32 per aggregate: they
      // start their window now.
      for (const record of this.records.values()) {
        for (const c of record.recentCommands ?? []) {
          this.outcomes.remember({ commandId: c.commandId, fingerprint: c.fingerprint, version: c.version, offset: this.offsetOf(c.position) }, now);
        }
      }
      return;
    }
    await this.rebuild(reason, now);
  }

  private async rebuild(reason: string, now: number): Promise<void> {
    const started = Date.now();
    // The events give back the outcomes of the window (a command's last event wins: same bucket, same
    // key); the outcomes the state topic still had are in the index already.
    const folded = await foldPartition(this.definition, this.log, {
      topic: this.options.eventsTopic ?? `${this.definition.context}.events`,
      outcomesSinceMs: now - this.options.idempotencyWindowMs,
      onOutcome: (o) => this.outcomes.remember(o, o.at),
      onProgress: this.options.onRebuildProgress,
    });
    const folding = Date.now() - started;
    // Every bucket, the current one too, is written whole as a snapshot.
    const snapshots = this.seal(this.outcomes.starts());
    const records = [...folded.aggregates.values()];
    const commits = Math.max(
      Math.ceil(records.length / REBUILD_RECORDS_PER_COMMIT),
      Math.ceil(snapshots.length / REBUILD_SNAPSHOTS_PER_COMMIT),
      this.forget.length > 0 ? 1 : 0,
    );
    for (let k = 0; k < commits; k += 1) {
      const forget = this.forget.slice(0, MAX_TOMBSTONES_PER_COMMIT);
      await this.log.commit({
        events: [],
        records: records.slice(k * REBUILD_RECORDS_PER_COMMIT, (k + 1) * REBUILD_RECORDS_PER_COMMIT),
        outcomeSnapshots: snapshots.slice(k * REBUILD_SNAPSHOTS_PER_COMMIT, (k + 1) * REBUILD_SNAPSHOTS_PER_COMMIT),
        forgetOutcomes: forget,
      });
      this.forget = this.forget.slice(forget.length);
    }
    this.records = folded.aggregates;
    const ms = Date.now() - started;
    this.options.onRebuild?.({
      reason,
      events: folded.events,
      aggregates: folded.aggregates.size,
      ms,
      foldMs: folding,
      writeMs: ms - folding,
      foreign: folded.foreign,
    });
  }

  async close(): Promise<void> {
    await this.log.close();
  }

  /** Decides every command against the state as it evolves through the batch, then commits once. */
  async process(received: readonly IncomingCommand[]): Promise<BatchOutcome> {
    // Exactly-once input: a redelivery of commands already committed (the group's lazily committed
    // offset lags the state partition's) is skipped, not decided again, and answered by nobody: its
    // reply went out after its commit (or was lost with a crash: the client's retry gets the
    // remembered outcome).
    const from = this.nextInput;
    const batch = from === undefined ? received : received.filter((c) => BigInt(c.offset) >= from);
    const skipped = received.length - batch.length;
    if (batch.length === 0) return { commands: received.length, events: 0, rejected: 0, duplicates: skipped };
    const staged = new Map<string, StagedRecord>();
    const events: EventEnvelope[] = [];
    const replies: PendingReply[] = [];
    const stagedOutcomes = new Map<string, StagedOutcome>();
    let rejected = 0;
    let duplicates = 0;
    const reject = (replyTo: string | undefined | null, commandId: string, requestId: string | undefined, error: DomainError) => {
      rejected += 1;
      if (replyTo) replies.push({ replyTo, build: () => ({ commandId, ok: false, error: toErrorPayload(error), ...(requestId ? { requestId } : {}) }) });
    };
    const now = this.options.clock();
    const nowMs = Date.parse(now);
    for (const start of this.outcomes.expire(nowMs)) {
      this.forget.push(...(this.outcomeKeys.get(start) ?? []), ...(this.snapshotKeys.get(start) ?? []));
      this.outcomeKeys.delete(start);
      this.snapshotKeys.delete(start);
    }
    // Buckets whose time is past take no more outcomes: sealed once, with this commit.
    const snapshots = this.seal(this.outcomes.unsealed(nowMs));

    for (const incoming of batch) {
      const command = incoming.envelope;
      if (!command) {
        reject(
          incoming.replyTo,
          incoming.commandId ?? 'unknown',
          incoming.requestId,
          new ValidationError([{ field: 'command', message: incoming.problem ?? 'malformed command' }]),
        );
        continue;
      }
      const current = staged.get(command.aggregateId) ?? this.toStaged(this.records.get(command.aggregateId));
      const state = current?.state ?? this.definition.decider.initialState();

      const remembered = this.rememberedOutcome(stagedOutcomes, command);
      if (remembered) {
        if (!remembered.sameFingerprint) {
          reject(command.replyTo, command.commandId, command.requestId, new IdempotencyMismatchError());
          continue;
        }
        duplicates += 1;
        if (command.replyTo) {
          // Event types are not remembered (they would grow every outcome); the version says enough.
          replies.push(success(command, command.replyTo, remembered.version, remembered.position, true, []));
        }
        continue;
      }

      let decided: DomainEvent[];
      try {
        decided = this.definition.decider.decide(
          {
            type: command.type,
            data: command.data,
            metadata: {
              commandId: command.commandId,
              correlationId: command.correlationId,
              ...(command.causationId ? { causationId: command.causationId } : {}),
              now,
              ...(command.expectedVersion !== undefined ? { expectedVersion: command.expectedVersion } : {}),
            },
          },
          state,
        );
      } catch (error) {
        if (isDomainError(error)) reject(command.replyTo, command.commandId, command.requestId, error);
        else {
          // A bug in a decider must not wedge the partition: report it, answer 500, keep going.
          this.options.onUnexpectedError?.(error as Error, command);
          rejected += 1;
          if (command.replyTo) {
            const { commandId, requestId } = command;
            const message = `the command could not be decided (a bug, logged by the processor): ${(error as Error).message}`;
            replies.push({
              replyTo: command.replyTo,
              build: () => ({ commandId, ok: false, error: { code: 'INTERNAL', message, details: {} }, ...(requestId ? { requestId } : {}) }),
            });
          }
        }
        continue;
      }

      let next = state;
      for (const event of decided) {
        next = this.definition.decider.evolve(next, event);
        events.push({
          eventId: eventIdFor(this.definition.aggregateType, command.aggregateId, next.version),
          type: event.type,
          schemaVersion: (EVENT_SCHEMA_VERSIONS as Record<string, number>)[event.type] ?? 1,
          context: this.definition.context,
          aggregateType: this.definition.aggregateType,
          aggregateId: command.aggregateId,
          version: next.version,
          commandId: command.commandId,
          commandFingerprint: command.fingerprint,
          correlationId: command.correlationId,
          causationId: command.causationId,
          occurredAt: now,
          payload: event.data,
        });
      }
      const lastPosition: PositionRef =
        decided.length > 0 ? { kind: 'batch', index: events.length - 1 } : (current?.lastPosition ?? { kind: 'known', token: null });
      const eventTypes = decided.map((e) => e.type);
      staged.set(command.aggregateId, { aggregateId: command.aggregateId, state: next, lastPosition });
      stagedOutcomes.set(command.commandId, { commandId: command.commandId, fingerprint: command.fingerprint, version: next.version, position: lastPosition });
      if (command.replyTo) replies.push(success(command, command.replyTo, next.version, lastPosition, false, eventTypes));
    }

    const last = batch[batch.length - 1];
    const outcomeKey = stagedOutcomes.size > 0 ? `${OUTCOME_KEY_PREFIX}${this.outcomes.bucketStart(nowMs)}:${randomUUID()}` : undefined;
    // Bounded per commit: a restore after a long downtime may find many expired outcome records.
    const forget = this.forget.slice(0, MAX_TOMBSTONES_PER_COMMIT);
    const positions = await this.log.commit({
      events,
      records: [],
      stateFor: (appended) => ({
        records: [...staged.values()].map((s) => this.finish(s, appended)),
        ...(outcomeKey ? { outcomes: this.outcomeRecord(outcomeKey, stagedOutcomes, nowMs, appended) } : {}),
      }),
      ...(snapshots.length > 0 ? { outcomeSnapshots: snapshots } : {}),
      ...(forget.length > 0 ? { forgetOutcomes: forget } : {}),
      nextInputOffset: last ? String(BigInt(last.offset) + 1n) : undefined,
    });
    this.forget = this.forget.slice(forget.length);
    if (last) this.nextInput = BigInt(last.offset) + 1n;
    for (const record of staged.values()) this.records.set(record.aggregateId, this.finish(record, positions));
    if (outcomeKey) {
      this.keysOf(this.outcomes.bucketStart(nowMs)).push(outcomeKey);
      for (const o of stagedOutcomes.values()) {
        this.outcomes.remember({ ...o, offset: this.offsetOf(resolve(o.position, positions)) }, nowMs);
      }
    }
    // Not awaited: the next batch's transaction need not wait for this one's replies.
    this.log.reply(replies.map((r) => ({ replyTo: r.replyTo, reply: r.build(positions) }))).catch((error: Error) => this.options.onReplyError?.(error));
    return { commands: received.length, events: events.length, rejected, duplicates: duplicates + skipped };
  }

  private rememberedOutcome(
    stagedOutcomes: ReadonlyMap<string, StagedOutcome>,
    command: CommandEnvelope,
  ): { sameFingerprint: boolean; version: number; position: PositionRef } | undefined {
    // A duplicate inside this batch (concurrent retries) is answered from the batch itself.
    const inBatch = stagedOutcomes.get(command.commandId);
    if (inBatch) return { sameFingerprint: inBatch.fingerprint === command.fingerprint, version: inBatch.version, position: inBatch.position };
    const known = this.outcomes.lookup(command.commandId, command.fingerprint);
    if (!known) return undefined;
    const token = known.offset === null ? null : encodePosition({ context: this.definition.context, partition: this.partition, offset: String(known.offset) });
    return { sameFingerprint: known.sameFingerprint, version: known.version, position: { kind: 'known', token } };
  }

  /** This commit's outcomes as one record of the state partition, with the appended events' exact offsets. */
  private outcomeRecord(key: string, stagedOutcomes: ReadonlyMap<string, StagedOutcome>, nowMs: number, positions: readonly string[]): OutcomeRecord {
    return {
      key,
      at: nowMs,
      outcomes: [...stagedOutcomes.values()].map((o) => ({
        commandId: o.commandId,
        fingerprint: o.fingerprint,
        version: o.version,
        offset: this.offsetOf(resolve(o.position, positions)),
      })),
    };
  }

  /**
   * Writes buckets whole as binary snapshots (36 bytes an outcome) and tombstones their per-commit
   * records: a restore then reads a few MB per bucket instead of one record per commit (~5× faster
   * for the same outcomes; docs/benchmarks.md). A bucket sealed again (a rebuild) keeps its keys.
   */
  private seal(buckets: readonly number[]): OutcomeSnapshot[] {
    const snapshots: OutcomeSnapshot[] = [];
    for (const bucket of buckets) {
      const chunks = this.outcomes.seal(bucket).map((data, i) => ({ key: outcomeSnapshotKey(bucket, i), bucket, data }));
      snapshots.push(...chunks);
      this.snapshotKeys.set(
        bucket,
        chunks.map((c) => c.key),
      );
      this.forget.push(...(this.outcomeKeys.get(bucket) ?? []));
      this.outcomeKeys.delete(bucket);
    }
    return snapshots;
  }

  private keysOf(bucket: number): string[] {
    return this.keysIn(this.outcomeKeys, bucket);
  }

  private keysIn(map: Map<number, string[]>, bucket: number): string[] {
    let keys = map.get(bucket);
    if (!keys) map.set(bucket, (keys = []));
    return keys;
  }

  private offsetOf(token: string | null): number | null {
    const position = token === null || token === PENDING_POSITION ? undefined : decodePosition(token);
    return position ? Number(position.offset) : null;
  }

  private toStaged(record: AggregateRecord | undefined): StagedRecord | undefined {
    if (!record) return undefined;
    return { aggregateId: record.aggregateId, state: record.state as Versioned, lastPosition: { kind: 'known', token: record.lastPosition } };
  }

  private finish(staged: StagedRecord, positions: readonly string[]): AggregateRecord {
    return {
      aggregateId: staged.aggregateId,
      stateVersion: this.definition.stateVersion,
      version: staged.state.version,
      state: staged.state,
      lastPosition: resolve(staged.lastPosition, positions),
    };
  }
}

function success(
  command: CommandEnvelope,
  replyTo: string,
  version: number,
  position: PositionRef,
  duplicate: boolean,
  eventTypes: readonly string[],
): PendingReply {
  return {
    replyTo,
    build: (positions) => ({
      commandId: command.commandId,
      ...(command.requestId ? { requestId: command.requestId } : {}),
      ok: true,
      aggregateId: command.aggregateId,
      version,
      position: resolve(position, positions),
      duplicate,
      eventTypes,
    }),
  };
}

/** A position of this batch before the append is PENDING_POSITION (see the port). */
function resolve(ref: PositionRef, positions: readonly string[]): string | null {
  return ref.kind === 'known' ? ref.token : (positions[ref.index] ?? PENDING_POSITION);
}

/**
 * Parses a command record. Anything unusable is still consumed (and answered if possible): a record
 * that threw here would be redelivered forever and wedge the whole partition, so nothing in this
 * function may throw, whatever the bytes (`"data": null`, an array, a number…).
 */
export function parseCommand(
  definition: BoundedContextDefinition<Command, DomainEvent, Versioned>,
  message: { offset: string; value: Buffer | null; key: Buffer | null; headers?: Record<string, unknown> },
): IncomingCommand {
  const header = (name: string) => {
    const value = message.headers?.[name];
    return value === undefined || value === null ? undefined : String(value);
  };
  const base = { offset: message.offset, replyTo: header('reply-to'), commandId: header('command-id'), requestId: header('request-id') };
  let envelope: CommandEnvelope;
  try {
    envelope = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch {
    return { ...base, problem: 'command record is not JSON' };
  }
  try {
    if (
      typeof envelope !== 'object' ||
      envelope === null ||
      typeof envelope.commandId !== 'string' ||
      typeof envelope.aggregateId !== 'string' ||
      typeof envelope.fingerprint !== 'string' ||
      typeof envelope.data !== 'object' ||
      envelope.data === null ||
      Array.isArray(envelope.data) ||
      !definition.isCommandType(envelope.type) ||
      envelope.context !== definition.context ||
      envelope.aggregateId !== message.key?.toString()
    ) {
      return { ...base, problem: `not a ${definition.context} command for this partition` };
    }
    const replyTo = typeof envelope.replyTo === 'string' ? envelope.replyTo : undefined;
    const requestId = typeof envelope.requestId === 'string' ? envelope.requestId : base.requestId;
    // The aggregate id is the routing key: a command whose data names another aggregate must not
    // be decided by this aggregate's writer.
    if (definition.aggregateIdOf(envelope as never) !== envelope.aggregateId) {
      return { ...base, commandId: envelope.commandId, replyTo, requestId, problem: 'aggregate id does not match the command data' };
    }
    return { offset: message.offset, envelope, replyTo, commandId: envelope.commandId, requestId };
  } catch (error) {
    return { ...base, problem: `malformed command: ${(error as Error).message}` };
  }
}
