/**
 * Failures of the service around the domain — a dependency that cannot serve now, an outcome that
 * did not arrive in time, a caller without a valid token. No decider raises them and they never
 * cross Kafka, so they are not domain errors; the ProblemFilter maps them by code like domain errors.
 */
export type ServiceErrorCode = 'UNAUTHORIZED' | 'UNAVAILABLE' | 'TIMEOUT';

export abstract class ServiceError extends Error {
  abstract readonly code: ServiceErrorCode;
  readonly details?: Record<string, unknown>;

  protected constructor(message: string, details?: Record<string, unknown>) {
    super(message);
    if (details !== undefined) this.details = details;
  }
}

export class UnauthorizedError extends ServiceError {
  override readonly name = 'UnauthorizedError';
  readonly code = 'UNAUTHORIZED' as const;

  constructor(message = 'a valid bearer token is required') {
    super(message);
  }
}

/** A dependency (Kafka, a read model that has not caught up) cannot serve now; retry later. */
export class UnavailableError extends ServiceError {
  override readonly name = 'UnavailableError';
  readonly code = 'UNAVAILABLE' as const;

  constructor(message: string, retryAfterSeconds = 1) {
    super(message, { retryAfterSeconds });
  }
}

/** No outcome arrived in time; the operation may still complete. */
export class TimeoutError extends ServiceError {
  override readonly name = 'TimeoutError';
  readonly code = 'TIMEOUT' as const;

  constructor(message: string, details?: Record<string, unknown>) {
    super(message, details);
  }
}

export function isServiceError(value: unknown): value is ServiceError {
  return value instanceof ServiceError;
}
