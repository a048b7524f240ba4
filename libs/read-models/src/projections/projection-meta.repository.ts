import { metaSchema } from '../database';
import { qualified, type Sql } from '../sql';

export interface RegistryRow {
  readonly name: string;
  readonly activeVersion: number;
  readonly rebuildTargetVersion: number | null;
  readonly rebuildStartedAt: string | null;
  readonly rebuildTotal: number | null;
}

export interface CheckpointRow {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the last applied record; -1 before the first. */
  readonly offset: number;
}

export type DeadLetterStatus = 'PENDING' | 'RETRYING' | 'SKIPPED' | 'RESOLVED';

/** What a projection or process records about a poison record. */
export interface DeadLetterEntry {
  readonly projection: string;
  readonly version: number;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly eventType: string | null;
  readonly error: string;
  readonly payload: unknown;
  readonly attempts: number;
  readonly status: DeadLetterStatus;
}

export interface DeadLetterRow extends DeadLetterEntry {
  readonly id: number;
  readonly createdAt: string;
}

/**
 * Processes whose dead letters share the projections' table (same listing, same admin retry/skip).
 * They have no versions: their rows carry version 1.
 */
export const PROCESS_DEAD_LETTER_OWNERS = ['fulfillment-saga'] as const;
export type ProcessDeadLetterOwner = (typeof PROCESS_DEAD_LETTER_OWNERS)[number];
const PROCESS_VERSION = 1;

/**
 * Projection bookkeeping in `<ns>_meta`: which version is live, the checkpoints (written in the
 * read-model batch's transaction) and dead letters. Shared by the projectors and the query API so
 * that both agree on every statement.
 */
export class ProjectionMetaRepository {
  private readonly registry: string;
  private readonly checkpoints: string;
  private readonly deadLetters: string;

  constructor(namespace: string) {
    const schema = metaSchema(namespace);
    this.registry = qualified(schema, 'projection_registry');
    this.checkpoints = qualified(schema, 'projection_checkpoints');
    this.deadLetters = qualified(schema, 'projection_dead_letters');
  }

  async ensureRegistered(sql: Sql, name: string): Promise<void> {
    await sql.query(`INSERT INTO ${this.registry} (name, active_version) VALUES ($1, 1) ON CONFLICT (name) DO NOTHING`, [name]);
  }

  async list(sql: Sql, name?: string): Promise<RegistryRow[]> {
    const { rows } = await sql.query(
      `SELECT name, active_version, rebuild_target_version, rebuild_started_at, rebuild_total FROM ${this.registry}
       ${name ? 'WHERE name = $1' : ''} ORDER BY name`,
      name ? [name] : [],
    );
    return rows.map((r) => ({
      name: r.name,
      activeVersion: r.active_version,
      rebuildTargetVersion: r.rebuild_target_version,
      rebuildStartedAt: r.rebuild_started_at ? new Date(r.rebuild_started_at).toISOString() : null,
      rebuildTotal: r.rebuild_total === null ? null : Number(r.rebuild_total),
    }));
  }

  async find(sql: Sql, name: string): Promise<RegistryRow | undefined> {
    return (await this.list(sql, name))[0];
  }

  /**
   * Records a rebuild request; at most one per projection (the WHERE is the lock). Returns the
   * target version, or undefined when one is already running.
   */
  async requestRebuild(sql: Sql, name: string, total: number): Promise<number | undefined> {
    const { rows } = await sql.query(
      `UPDATE ${this.registry} SET rebuild_target_version = active_version + 1, rebuild_started_at = now(),
              rebuild_total = $2, updated_at = now()
        WHERE name = $1 AND rebuild_target_version IS NULL RETURNING rebuild_target_version`,
      [name, total],
    );
    return rows[0]?.rebuild_target_version;
  }

  /** The blue/green switch: one optimistic statement; false if someone else switched first. */
  async switchActive(sql: Sql, name: string, from: number, to: number): Promise<boolean> {
    const result = await sql.query(
      `UPDATE ${this.registry} SET active_version = $3, rebuild_target_version = NULL, rebuild_started_at = NULL,
              rebuild_total = NULL, updated_at = now()
        WHERE name = $1 AND active_version = $2 AND rebuild_target_version = $3`,
      [name, from, to],
    );
    return result.rowCount === 1;
  }

  async checkpointsOf(sql: Sql, name: string, version: number): Promise<CheckpointRow[]> {
    const { rows } = await sql.query(
      `SELECT topic, partition, "offset" FROM ${this.checkpoints} WHERE projection = $1 AND version = $2 ORDER BY topic, partition`,
      [name, version],
    );
    return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: Number(r.offset) }));
  }

  /** Row-locks a version's checkpoints for the rest of the transaction (the blue/green switch). */
  async lockCheckpoints(sql: Sql, name: string, version: number): Promise<CheckpointRow[]> {
    const { rows } = await sql.query(`SELECT topic, partition, "offset" FROM ${this.checkpoints} WHERE projection = $1 AND version = $2 FOR UPDATE`, [
      name,
      version,
    ]);
    return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: Number(r.offset) }));
  }

  /** Creates the -1 rows so that every later write is the optimistic UPDATE … WHERE offset = :previous. */
  async initCheckpoints(sql: Sql, name: string, version: number, topic: string, partitions: readonly number[]): Promise<void> {
    await sql.query(
      `INSERT INTO ${this.checkpoints} (projection, version, topic, partition, "offset")
       SELECT $1, $2, $3, p, -1 FROM unnest($4::int[]) AS p ON CONFLICT DO NOTHING`,
      [name, version, topic, partitions],
    );
  }

  /** 0 rows means another writer moved the checkpoint: the caller must roll back and re-seek. */
  async advanceCheckpoint(sql: Sql, name: string, version: number, topic: string, partition: number, previous: number, next: number): Promise<boolean> {
    const result = await sql.query(
      `UPDATE ${this.checkpoints} SET "offset" = $6, updated_at = now()
        WHERE projection = $1 AND version = $2 AND topic = $3 AND partition = $4 AND "offset" = $5`,
      [name, version, topic, partition, previous, next],
    );
    return result.rowCount === 1;
  }

  async dropVersion(sql: Sql, name: string, version: number): Promise<void> {
    await sql.query(`DELETE FROM ${this.checkpoints} WHERE projection = $1 AND version = $2`, [name, version]);
    await sql.query(`DELETE FROM ${this.deadLetters} WHERE projection = $1 AND version = $2`, [name, version]);
  }

  async recordDeadLetter(sql: Sql, entry: DeadLetterEntry): Promise<number> {
    return (await this.upsertDeadLetter(sql, entry, false)).id;
  }

  /**
   * Inserts a dead letter, or updates the one at the same position (more attempts, the new error and
   * status). `keepSkipped`: an operator's SKIPPED answer stays (see openProcessDeadLetter).
   */
  private async upsertDeadLetter(sql: Sql, entry: DeadLetterEntry, keepSkipped: boolean): Promise<{ id: number; status: DeadLetterStatus }> {
    const kept = (column: string, value: string) => (keepSkipped ? `CASE WHEN dl.status = 'SKIPPED' THEN dl.${column} ELSE ${value} END` : value);
    const { rows } = await sql.query(
      `INSERT INTO ${this.deadLetters} AS dl (projection, version, topic, partition, "offset", event_type, error, payload, attempts, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (projection, version, topic, partition, "offset") DO UPDATE SET
         error = EXCLUDED.error, attempts = dl.attempts + EXCLUDED.attempts, status = ${kept('status', 'EXCLUDED.status')},
         resolved_at = ${kept('resolved_at', 'NULL')}
       RETURNING id, status`,
      [
        entry.projection,
        entry.version,
        entry.topic,
        entry.partition,
        entry.offset,
        entry.eventType === null ? null : storable(entry.eventType),
        storable(entry.error),
        JSON.stringify(storable(entry.payload ?? null)),
        entry.attempts,
        entry.status,
      ],
    );
    return { id: Number(rows[0].id), status: rows[0].status };
  }

  async deadLettersOf(sql: Sql, name?: string, version?: number): Promise<DeadLetterRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (name !== undefined) where.push(`projection = $${params.push(name)}`);
    if (version !== undefined) where.push(`version = $${params.push(version)}`);
    const { rows } = await sql.query(`SELECT * FROM ${this.deadLetters} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`, params);
    return rows.map(toDeadLetter);
  }

  async deadLetter(sql: Sql, id: number): Promise<DeadLetterRow | undefined> {
    const { rows } = await sql.query(`SELECT * FROM ${this.deadLetters} WHERE id = $1`, [id]);
    return rows[0] ? toDeadLetter(rows[0]) : undefined;
  }

  /** Operator: process the event again (the projector notices and re-seeks to it). */
  async markRetry(sql: Sql, id: number): Promise<boolean> {
    const r = await sql.query(`UPDATE ${this.deadLetters} SET status = 'RETRYING' WHERE id = $1 AND status = 'PENDING'`, [id]);
    return r.rowCount === 1;
  }

  /**
   * Operator: give up on the event. Moves the checkpoint past it in the same transaction, so the
   * projector (which re-reads the checkpoint when it sees the status change) resumes after it.
   */
  async skip(sql: Sql, id: number): Promise<boolean> {
    // One statement, so atomic: mark the dead letter and move its partition's checkpoint onto it
    // (never backwards: under the skip policy it may already be past).
    const { rows } = await sql.query(
      `WITH dl AS (
         UPDATE ${this.deadLetters} SET status = 'SKIPPED', resolved_at = now() WHERE id = $1 AND status = 'PENDING'
         RETURNING projection, version, topic, partition, "offset"),
       moved AS (
         UPDATE ${this.checkpoints} c SET "offset" = dl."offset", updated_at = now() FROM dl
          WHERE c.projection = dl.projection AND c.version = dl.version AND c.topic = dl.topic AND c.partition = dl.partition
            AND c."offset" < dl."offset"
         RETURNING 1)
       SELECT count(*)::int AS marked FROM dl`,
      [id],
    );
    return rows[0].marked === 1;
  }

  /**
   * A process (not a projection: the fulfillment saga) records a poison event. Its position lives in
   * Kafka, not in a checkpoint row, so after a restart it meets the same record again: an operator's
   * SKIPPED answer is kept then (the caller passes over the record), anything else becomes `status`.
   */
  async openProcessDeadLetter(
    sql: Sql,
    entry: Omit<DeadLetterEntry, 'projection' | 'version' | 'status'> & { owner: ProcessDeadLetterOwner; status: 'PENDING' | 'SKIPPED' },
  ): Promise<{ id: number; status: DeadLetterStatus }> {
    const { owner, ...rest } = entry;
    return this.upsertDeadLetter(sql, { ...rest, projection: owner, version: PROCESS_VERSION }, true);
  }

  /** A process's retried record went through. */
  async resolveProcessRetried(sql: Sql, owner: string, topic: string, partition: number, upTo: number): Promise<void> {
    await this.resolveRetried(sql, owner, PROCESS_VERSION, topic, partition, upTo);
  }

  /** A retried event went through: its dead letter is resolved in the batch's transaction. */
  async resolveRetried(sql: Sql, name: string, version: number, topic: string, partition: number, upTo: number): Promise<void> {
    await sql.query(
      `UPDATE ${this.deadLetters} SET status = 'RESOLVED', resolved_at = now()
        WHERE projection = $1 AND version = $2 AND topic = $3 AND partition = $4 AND "offset" <= $5 AND status = 'RETRYING'`,
      [name, version, topic, partition, upTo],
    );
  }
}

function toDeadLetter(r: any): DeadLetterRow {
  return {
    id: Number(r.id),
    projection: r.projection,
    version: r.version,
    topic: r.topic,
    partition: r.partition,
    offset: Number(r.offset),
    eventType: r.event_type,
    error: r.error,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/**
 * A dead letter must be recordable whatever the poison held: PostgreSQL text and jsonb refuse U+0000
 * and unpaired surrogates, and a refused dead letter used to crash the projector's consumer (the
 * fault tier's garbage event). NUL is kept visible as the six characters `\u0000`, a lone surrogate
 * becomes U+FFFD; keys too.
 */
function storable(value: unknown): any {
  if (typeof value === 'string')
    return value.replaceAll('\u0000', '\\u0000').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  if (Array.isArray(value)) return value.map(storable);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storable(v)]));
  return value;
}
