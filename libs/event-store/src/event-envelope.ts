import { createHash } from 'node:crypto';
import type { BoundedContext } from '@es/domain';

/**
 * What travels on `<ns>.<ctx>.events` (JSON value, key = aggregateId). Documented field by field
 * in docs/events.md. `type`, `version` and `schemaVersion` are repeated as headers so that
 * routers and tools can filter without parsing the body.
 */
export interface EventEnvelope<P = unknown> {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly context: BoundedContext;
  readonly aggregateType: string;
  readonly aggregateId: string;
  /** 1, 2, 3 … per aggregate, no gaps (docs/events.md, "The event envelope"). */
  readonly version: number;
  readonly commandId: string;
  /**
   * The command's body fingerprint: with commandId it lets a rebuild of the aggregates from the
   * events also rebuild the idempotency memory (a retry with another body is still 422). Absent in
   * events of the first version.
   */
  readonly commandFingerprint?: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly occurredAt: string;
  readonly payload: P;
}

/** An envelope as read back, with where it sits in the log. */
export interface StoredEvent<P = unknown> extends EventEnvelope<P> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * Deterministic, so that a command re-decided after a crash produces the same ids and consumers
 * can use eventId for deduplication if they ever need to.
 */
export function eventIdFor(aggregateType: string, aggregateId: string, version: number): string {
  const hex = createHash('sha256').update(`${aggregateType}\u0000${aggregateId}\u0000${version}`).digest('hex');
  // Shaped like a UUID (version nibble 8 = "custom", RFC 9562) for tools that expect one.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
