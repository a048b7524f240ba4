/**
 * One small hierarchy for every rule the domain enforces. Only the HTTP layer maps codes to status
 * codes; everything in between passes these along, across Kafka too (command replies), hence the
 * payload round-trip at the bottom of this file.
 */
export type DomainErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'VALIDATION' | 'CONCURRENCY' | 'UNKNOWN_EVENT_TYPE' | 'IDEMPOTENCY_MISMATCH';

export const DOMAIN_ERROR_CODES: readonly DomainErrorCode[] = [
  'NOT_FOUND',
  'CONFLICT',
  'VALIDATION',
  'CONCURRENCY',
  'UNKNOWN_EVENT_TYPE',
  'IDEMPOTENCY_MISMATCH',
];

export interface FieldError {
  /** Path into the command data, e.g. `lines[1].sku`. */
  readonly field: string;
  readonly message: string;
}

export interface ErrorPayload {
  readonly code: DomainErrorCode;
  readonly message: string;
  /** Always an object (possibly empty) so the JSON shape is the same for every error. */
  readonly details: Record<string, unknown>;
}

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  readonly details?: Record<string, unknown>;

  protected constructor(message: string, details?: Record<string, unknown>) {
    super(message);
    if (details !== undefined) {
      this.details = details;
    }
  }

  /** So that JSON.stringify(error) yields the payload instead of `{}`. */
  toJSON(): ErrorPayload {
    return toErrorPayload(this);
  }
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly code = 'NOT_FOUND' as const;

  constructor(message: string, details?: Record<string, unknown>) {
    super(message, details);
  }
}

export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  readonly code = 'CONFLICT' as const;

  constructor(message: string, details?: Record<string, unknown>) {
    super(message, details);
  }
}

export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly code = 'VALIDATION' as const;
  readonly errors: readonly FieldError[];

  constructor(errors: readonly FieldError[], message?: string) {
    const copy = errors.map(({ field, message: text }) => ({ field, message: text }));
    super(message ?? describeFieldErrors(copy), { errors: copy });
    this.errors = copy;
  }
}

export class ConcurrencyError extends DomainError {
  override readonly name = 'ConcurrencyError';
  readonly code = 'CONCURRENCY' as const;

  constructor(
    readonly expectedVersion: number,
    readonly actualVersion: number,
    message?: string,
  ) {
    super(message ?? `expected version ${expectedVersion} but the aggregate is at version ${actualVersion}`, { expectedVersion, actualVersion });
  }
}

/**
 * Raised by whoever deserialises events (the event-store lib) for a type or schema version it has no
 * reader for; it lives here so that all failures share one hierarchy.
 */
export class UnknownEventTypeError extends DomainError {
  override readonly name = 'UnknownEventTypeError';
  readonly code = 'UNKNOWN_EVENT_TYPE' as const;

  constructor(
    readonly eventType: string,
    readonly schemaVersion: number,
    message?: string,
  ) {
    super(message ?? `unknown event type ${eventType} (schema version ${schemaVersion})`, {
      eventType,
      schemaVersion,
    });
  }
}

/*
 * Raised by the command processor, not by a decider, but it crosses Kafka in a reply like the
 * deciders' errors. Transport failures (unavailable, timeout, unauthorized) are not the domain's:
 * they live in @es/common (http/service-errors.ts).
 */

/** The same command id (Idempotency-Key) arrived with a different body. */
export class IdempotencyMismatchError extends DomainError {
  override readonly name = 'IdempotencyMismatchError';
  readonly code = 'IDEMPOTENCY_MISMATCH' as const;

  constructor(message = 'this Idempotency-Key was already used with a different request', details?: Record<string, unknown>) {
    super(message, details);
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}

export function toErrorPayload(err: DomainError): ErrorPayload {
  return { code: err.code, message: err.message, details: { ...(err.details ?? {}) } };
}

export function isErrorPayload(value: unknown): value is ErrorPayload {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate['code'] === 'string' &&
    (DOMAIN_ERROR_CODES as readonly string[]).includes(candidate['code']) &&
    typeof candidate['message'] === 'string' &&
    (candidate['details'] === undefined || (typeof candidate['details'] === 'object' && candidate['details'] !== null))
  );
}

/**
 * Rebuilds the subclass a reply was produced from, so `instanceof` works on the far side of Kafka.
 * The payload comes off the wire: fields are checked rather than trusted, and a malformed detail
 * degrades to a neutral value instead of throwing while an error is already being reported.
 */
export function fromErrorPayload(payload: ErrorPayload): DomainError {
  const details = payload.details ?? {};
  const code = payload.code;
  switch (code) {
    case 'NOT_FOUND':
      return new NotFoundError(payload.message, nonEmpty(details));
    case 'CONFLICT':
      return new ConflictError(payload.message, nonEmpty(details));
    case 'VALIDATION':
      return new ValidationError(readFieldErrors(details['errors']), payload.message);
    case 'CONCURRENCY':
      return new ConcurrencyError(readNumber(details['expectedVersion']), readNumber(details['actualVersion']), payload.message);
    case 'UNKNOWN_EVENT_TYPE':
      return new UnknownEventTypeError(
        typeof details['eventType'] === 'string' ? details['eventType'] : '',
        readNumber(details['schemaVersion']),
        payload.message,
      );
    case 'IDEMPOTENCY_MISMATCH':
      return new IdempotencyMismatchError(payload.message, nonEmpty(details));
    default: {
      const _exhaustive: never = code;
      throw new TypeError(`unknown domain error code ${String(_exhaustive)}`);
    }
  }
}

function describeFieldErrors(errors: readonly FieldError[]): string {
  if (errors.length === 0) return 'validation failed';
  return `validation failed: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`;
}

function nonEmpty(details: Record<string, unknown>): Record<string, unknown> | undefined {
  return Object.keys(details).length === 0 ? undefined : { ...details };
}

function readNumber(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : NaN;
}

function readFieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { field, message } = item as Record<string, unknown>;
    return typeof field === 'string' && typeof message === 'string' ? [{ field, message }] : [];
  });
}
