import { ValidationError, type FieldError } from '@es/domain';
import { IDEMPOTENCY_KEY_MAX_LENGTH } from './validation-rules.constants';

/** What the headers of a command request contribute to the command. */
export interface CommandOptions {
  /** Idempotency-Key as sent; absent when the client sent none. */
  readonly idempotencyKey?: string;
  /** From If-Match: the command applies only if the aggregate is at exactly this version. */
  readonly expectedVersion?: number;
  /** The request's X-Correlation-Id, carried by the command and every event it causes. */
  readonly correlationId: string;
}

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IF_MATCH_HEADER = 'If-Match';

// Printable ASCII (space included): the key ends up in logs and hashes, and a header value outside
// that range is either mangled by proxies or a sign of a client bug.
const IDEMPOTENCY_KEY = new RegExp(`^[\\x20-\\x7E]{1,${IDEMPOTENCY_KEY_MAX_LENGTH}}$`);
// A version, bare (`3`) or as an entity tag (`"3"`, `W/"3"`): clients that echo an ETag send the
// quoted form. Lists and `*` are refused — the command needs one exact version to compare.
const IF_MATCH = /^(?:(?:W\/)?"(\d{1,15})"|(\d{1,15}))$/;

type HeaderValue = string | string[] | undefined;

/**
 * Reads Idempotency-Key and If-Match. Throws the domain ValidationError (→ 400) so a bad header is
 * reported like a bad body field, before anything is sent to Kafka.
 */
export function parseCommandHeaders(headers: Record<string, HeaderValue>, correlationId: string): CommandOptions {
  const errors: FieldError[] = [];
  const idempotencyKey = single(headers['idempotency-key']);
  const ifMatch = single(headers['if-match']);
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    errors.push({ field: IDEMPOTENCY_KEY_HEADER, message: `must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters` });
  }
  let expectedVersion: number | undefined;
  if (ifMatch !== undefined) {
    const match = IF_MATCH.exec(ifMatch);
    if (match) expectedVersion = Number(match[1] ?? match[2]);
    else errors.push({ field: IF_MATCH_HEADER, message: 'must be one aggregate version: 3, "3" or W/"3"' });
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return {
    correlationId,
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
  };
}

// Node joins repeated custom headers with ", " and keeps arrays only for a few known ones; either
// way a repeated header is not one value, and the regexes above refuse what the join produces
// for If-Match. An array is mapped to an invalid value rather than silently picking one.
function single(value: HeaderValue): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : '\u0000';
  return value;
}
