import { createHash } from 'node:crypto';
import type { BoundedContext, ErrorPayload } from '@es/domain';

/**
 * What travels on `<ns>.<ctx>.commands` (JSON, key = aggregateId). The processor, not the sender,
 * stamps the time a command is decided at, so events of one partition carry a monotonic clock.
 */
export interface CommandEnvelope<D = unknown> {
  readonly commandId: string;
  readonly type: string;
  readonly context: BoundedContext;
  readonly aggregateId: string;
  readonly data: D;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly expectedVersion?: number;
  /** Hash of type + aggregate + data: the same id with another body is a client error (422). */
  readonly fingerprint: string;
  /** Command API instance waiting for the outcome, or null (fire and forget, e.g. the saga). */
  readonly replyTo: string | null;
  /**
   * One HTTP request's id, echoed in the reply: concurrent requests with one Idempotency-Key share a
   * command id but each must get its own answer (the first 201, a different body 422).
   */
  readonly requestId?: string;
  readonly sentAt: string;
}

export type CommandReply = (
  | {
      readonly commandId: string;
      readonly ok: true;
      readonly aggregateId: string;
      readonly version: number;
      /** Opaque position token of the aggregate's last event (see position.ts). */
      readonly position: string | null;
      /** True when this is the remembered outcome of an earlier delivery of the same command. */
      readonly duplicate: boolean;
      readonly eventTypes: readonly string[];
    }
  | { readonly commandId: string; readonly ok: false; readonly error: ErrorPayload | InternalErrorPayload | TimeoutPayload }
) & { readonly requestId?: string };

/**
 * A command the processor could not decide because of a bug (a decider threw something that is not
 * a domain error): not the client's fault, so HTTP 500, and never a domain error on the far side.
 */
export interface InternalErrorPayload {
  readonly code: 'INTERNAL';
  readonly message: string;
  readonly details: Record<string, unknown>;
}

/** Never on the wire: the command API's own verdict when no reply arrived in time (504). */
export interface TimeoutPayload {
  readonly code: 'TIMEOUT';
  readonly message: string;
  readonly details: Record<string, unknown>;
}

export function commandFingerprint(type: string, aggregateId: string, data: unknown, expectedVersion?: number): string {
  return createHash('sha256')
    .update(JSON.stringify([type, aggregateId, canonical(data), expectedVersion ?? null]))
    .digest('base64url')
    .slice(0, 22);
}

/** JSON with sorted keys, so that {a,b} and {b,a} fingerprint alike. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export function decodeJson<T>(value: Buffer | null | undefined): T | undefined {
  if (!value) return undefined;
  try {
    return JSON.parse(value.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
