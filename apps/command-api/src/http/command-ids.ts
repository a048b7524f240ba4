import { createHash, randomUUID } from 'node:crypto';

/**
 * Ids the command API derives from the client's Idempotency-Key. They must be deterministic: a retry
 * of the same request (after a 504, a dropped connection, a restart of this API) has to reach the
 * processor with the same command id — that is what its idempotency memory keys on — and, for
 * POST /orders without an orderId, has to target the same order, otherwise the retry would place a
 * second order instead of being recognised (and a different body with the same key would not reach
 * the fingerprint check that answers 422).
 *
 * Shape: a UUID (RFC 9562 version 8, "custom") from the first 128 bits of a SHA-256 over a
 * domain-separated input, so a command id and an order id made from the same key never coincide.
 */
export function commandIdFor(commandType: string, idempotencyKey: string | undefined, aggregateId?: string): string {
  if (idempotencyKey === undefined) return randomUUID();
  // Scoped to the aggregate: the processor remembers ids per aggregate, and the same key sent to two
  // different aggregates must not share one outcome in the transport either.
  const scope = aggregateId === undefined ? '' : `\u0000${aggregateId}`;
  return uuidFromHash(`command-id\u0000${commandType}${scope}\u0000${idempotencyKey}`);
}

/** The server-chosen orderId of POST /orders when the body carries none. */
export function orderIdFor(idempotencyKey: string | undefined): string {
  return idempotencyKey === undefined ? randomUUID() : uuidFromHash(`order-id\u0000PlaceOrder\u0000${idempotencyKey}`);
}

function uuidFromHash(input: string): string {
  const bytes = createHash('sha256').update(input, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
