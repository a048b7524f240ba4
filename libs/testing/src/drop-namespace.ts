import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';

/**
 * Removes what a test or benchmark namespace left behind: its topics and consumer groups
 * (`<ns>.…`) and, given a pool, its PostgreSQL schemas (`<ns>_…`). Best effort: cleanup must not
 * turn a passing run into a failing one.
 */
export async function dropNamespace(namespace: string, admin: Admin, pool?: Pick<Pool, 'query'>): Promise<void> {
  if (pool) {
    const { rows } = await pool.query(`SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)`, [`${namespace}_`]);
    for (const { nspname } of rows as { nspname: string }[]) await pool.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`).catch(() => undefined);
  }
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${namespace}.`));
  if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${namespace}.`));
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
}
