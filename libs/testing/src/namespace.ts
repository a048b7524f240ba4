import { randomBytes } from 'node:crypto';

/** Every test file works in its own namespace: topics, groups, transactional ids and schemas. */
export function randomNamespace(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}
