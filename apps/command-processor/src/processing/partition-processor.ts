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
import {
  AggregateRecord,
  CommandEnvelope,
  CommandReply,
  eventIdFor,
  EventEnvelope,
  PartitionLog,
  PENDING_POSITION,
  RecentCommand,
} from '@es/event-store';

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
  readonly problem?: string;
}

export interface PartitionProcessorOptions {
  /** Remembered command ids per aggregate: a retry is recognised while fewer commands passed since. */
  readonly idempotencyWindow: number;
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
  readonly recent: readonly { readonly command: Omit<RecentCommand, 'position'>; readonly position: PositionRef }[];
}

/**
 * The single writer of one partition of one context: it holds every aggregate of the partition in
 * memory (restored from the compacted state topic on assignment) and turns a batch of commands into
 * one atomic commit — events, new aggregate records, replies and the consumed offset (group commit).
 * Memory is only updated after the commit succeeded, so it never runs ahead of the log.
 */
export class PartitionProcessor {
  private records = new Map<string, AggregateRecord>();

  constructor(
    private readonly definition: BoundedContextDefinition<Command, DomainEvent, Versioned>,
    private readonly log: PartitionLog,
    private readonly options: PartitionProcessorOptions,
  ) {}

  get partition(): number {
    return this.log.partition;
  }

  get aggregateCount(): number {
    return this.records.size;
  }

  async restore(): Promise<void> {
    this.records = await this.log.restore();
  }

  async close(): Promise<void> {
    await this.log.close();
  }

  /** Decides every command against the state as it evolves through the batch, then commits once. */
  async process(batch: readonly IncomingCommand[]): Promise<BatchOutcome> {
    const staged = new Map<string, StagedRecord>();
    const events: EventEnvelope[] = [];
    const replies: PendingReply[] = [];
    let rejected = 0;
    let duplicates = 0;
    const reject = (replyTo: string | undefined | null, commandId: string, error: DomainError) => {
      rejected += 1;
      if (replyTo) replies.push({ replyTo, build: () => ({ commandId, ok: false, error: toErrorPayload(error) }) });
    };

    for (const incoming of batch) {
      const command = incoming.envelope;
      if (!command) {
        reject(incoming.replyTo, incoming.commandId ?? 'unknown', new ValidationError([{ field: 'command', message: incoming.problem ?? 'malformed command' }]));
        continue;
      }
      const current = staged.get(command.aggregateId) ?? this.toStaged(this.records.get(command.aggregateId));
      const state = current?.state ?? this.definition.decider.initialState();

      const remembered = current?.recent.find((r) => r.command.commandId === command.commandId);
      if (remembered) {
        if (remembered.command.fingerprint !== command.fingerprint) {
          reject(command.replyTo, command.commandId, new IdempotencyMismatchError());
          continue;
        }
        duplicates += 1;
        if (command.replyTo) {
          // Not remembered (it would grow every state record); the version says enough.
          replies.push(success(command, command.replyTo, remembered.command.version, remembered.position, true, []));
        }
        continue;
      }

      const now = this.options.clock();
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
        if (isDomainError(error)) reject(command.replyTo, command.commandId, error);
        else {
          // A bug in a decider must not wedge the partition: report it and reject the command.
          this.options.onUnexpectedError?.(error as Error, command);
          reject(command.replyTo, command.commandId, new ValidationError([{ field: 'command', message: `could not be decided: ${(error as Error).message}` }]));
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
          correlationId: command.correlationId,
          causationId: command.causationId,
          occurredAt: now,
          payload: event.data,
        });
      }
      const lastPosition: PositionRef =
        decided.length > 0 ? { kind: 'batch', index: events.length - 1 } : current?.lastPosition ?? { kind: 'known', token: null };
      const eventTypes = decided.map((e) => e.type);
      const entry = {
        command: { commandId: command.commandId, fingerprint: command.fingerprint, version: next.version },
        position: lastPosition,
      };
      staged.set(command.aggregateId, {
        aggregateId: command.aggregateId,
        state: next,
        lastPosition,
        recent: [entry, ...(current?.recent ?? [])].slice(0, this.options.idempotencyWindow),
      });
      if (command.replyTo) replies.push(success(command, command.replyTo, next.version, lastPosition, false, eventTypes));
    }

    const last = batch[batch.length - 1];
    const positions = await this.log.commit({
      events,
      records: [...staged.values()].map((s) => this.finish(s, [])),
      nextInputOffset: last ? String(BigInt(last.offset) + 1n) : undefined,
    });
    for (const record of staged.values()) this.records.set(record.aggregateId, this.finish(record, positions));
    // Not awaited: the next batch's transaction need not wait for this one's replies.
    this.log
      .reply(replies.map((r) => ({ replyTo: r.replyTo, reply: r.build(positions) })))
      .catch((error: Error) => this.options.onReplyError?.(error));
    return { commands: batch.length, events: events.length, rejected, duplicates };
  }

  private toStaged(record: AggregateRecord | undefined): StagedRecord | undefined {
    if (!record) return undefined;
    const known = (token: string | null): PositionRef => ({ kind: 'known', token });
    return {
      aggregateId: record.aggregateId,
      state: record.state as Versioned,
      lastPosition: known(record.lastPosition),
      recent: record.recentCommands.map(({ position, ...command }) => ({ command, position: known(position) })),
    };
  }

  private finish(staged: StagedRecord, positions: readonly string[]): AggregateRecord {
    return {
      aggregateId: staged.aggregateId,
      version: staged.state.version,
      state: staged.state,
      lastPosition: resolve(staged.lastPosition, positions),
      recentCommands: staged.recent.map((r) => ({ ...r.command, position: resolve(r.position, positions) })),
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
  return ref.kind === 'known' ? ref.token : positions[ref.index] ?? PENDING_POSITION;
}

/** Parses a command record; anything unusable is still consumed (and answered if possible). */
export function parseCommand(
  definition: BoundedContextDefinition<Command, DomainEvent, Versioned>,
  message: { offset: string; value: Buffer | null; key: Buffer | null; headers?: Record<string, unknown> },
): IncomingCommand {
  const header = (name: string) => {
    const value = message.headers?.[name];
    return value === undefined ? undefined : String(value);
  };
  const base = { offset: message.offset, replyTo: header('reply-to'), commandId: header('command-id') };
  let envelope: CommandEnvelope;
  try {
    envelope = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch {
    return { ...base, problem: 'command record is not JSON' };
  }
  if (
    typeof envelope?.commandId !== 'string' ||
    typeof envelope.aggregateId !== 'string' ||
    typeof envelope.fingerprint !== 'string' ||
    !definition.isCommandType(envelope.type) ||
    envelope.context !== definition.context ||
    envelope.aggregateId !== message.key?.toString()
  ) {
    return { ...base, problem: `not a ${definition.context} command for this partition` };
  }
  // The aggregate id is the routing key: a command whose data names another aggregate must not
  // be decided by this aggregate's writer.
  if (definition.aggregateIdOf(envelope as never) !== envelope.aggregateId) {
    return { ...base, commandId: envelope.commandId, replyTo: envelope.replyTo ?? undefined, problem: 'aggregate id does not match the command data' };
  }
  return { offset: message.offset, envelope, replyTo: envelope.replyTo ?? undefined, commandId: envelope.commandId };
}
