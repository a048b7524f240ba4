import { isBoundedContext, type BoundedContext } from '@es/domain';

/**
 * A point in one context's event log: after a write, "the read models have applied it" means each
 * projection that reads that topic has checkpointed that partition at or past this offset.
 * Clients get it as an opaque token and only hand it back (X-Min-Position).
 */
export interface Position {
  readonly context: BoundedContext;
  readonly partition: number;
  readonly offset: string;
}

const PREFIX = 'p1';

export function encodePosition(position: Position): string {
  return Buffer.from(`${PREFIX}:${position.context}:${position.partition}:${position.offset}`).toString('base64url');
}

/** Returns undefined for anything that is not a token we issued. */
export function decodePosition(token: string): Position | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return undefined;
  const parts = Buffer.from(token, 'base64url').toString('utf8').split(':');
  if (parts.length !== 4 || parts[0] !== PREFIX) return undefined;
  const [, context, partition, offset] = parts;
  if (!isBoundedContext(context)) return undefined;
  if (!/^\d{1,5}$/.test(partition) || !/^\d{1,19}$/.test(offset)) return undefined;
  return { context, partition: Number(partition), offset };
}
