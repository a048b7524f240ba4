/**
 * Messages are plain readonly records (Emmett style) so they serialise to JSON as they are and cross
 * Kafka without a mapping layer. Time and ids arrive in metadata: the domain never reads a clock or a
 * random source, which keeps decide() replayable.
 */
export interface CommandMetadata {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId?: string;
  /** ISO-8601, supplied by the caller. */
  readonly now: string;
  /** When present, the command applies only if the aggregate is at exactly this version (If-Match). */
  readonly expectedVersion?: number;
}

export interface Command<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
  readonly metadata: CommandMetadata;
}

export interface DomainEvent<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
}

/** What a command looks like before it has metadata: how a process plans commands it will send. */
export type CommandPayload<C extends Command> = C extends Command ? { readonly type: C['type']; readonly data: C['data'] } : never;

/**
 * The bounded contexts, declared once: each owns one aggregate type and one pair of command/event
 * topics. Topics, positions, projections and the command processor all take their list from here.
 */
export const BOUNDED_CONTEXT_NAMES = Object.freeze(['orders', 'inventory'] as const);

export type BoundedContext = (typeof BOUNDED_CONTEXT_NAMES)[number];

export function isBoundedContext(value: string): value is BoundedContext {
  return (BOUNDED_CONTEXT_NAMES as readonly string[]).includes(value);
}

/**
 * Who may issue a command: `client` commands are the outside world's (the command API sends them),
 * `process` commands only the fulfillment process sends. Every command type is classified where it
 * is declared, so a new command cannot be forgotten by the API without the compiler noticing.
 */
export type CommandIssuer = 'client' | 'process';
