import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projection bookkeeping shared by every projection version: which version is live, checkpoints
 * (written in the same transaction as the read-model rows) and dead letters.
 */
export class ProjectionMeta1764230400000 implements MigrationInterface {
  name = 'ProjectionMeta1764230400000';

  async up(q: QueryRunner): Promise<void> {
    const s = `"${q.connection.driver.schema}"`;
    await q.query(`
      CREATE TABLE ${s}.projection_registry (
        name text PRIMARY KEY,
        active_version integer NOT NULL,
        rebuild_target_version integer,
        rebuild_started_at timestamptz,
        rebuild_total bigint,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE ${s}.projection_checkpoints (
        projection text NOT NULL,
        version integer NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        "offset" bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projection, version, topic, partition)
      )`);
    await q.query(`
      CREATE TABLE ${s}.projection_dead_letters (
        id bigserial PRIMARY KEY,
        projection text NOT NULL,
        version integer NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        "offset" bigint NOT NULL,
        event_type text,
        error text NOT NULL,
        payload jsonb,
        status text NOT NULL DEFAULT 'PENDING',
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        UNIQUE (projection, version, topic, partition, "offset")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${q.connection.driver.schema}"`;
    await q.query(`DROP TABLE ${s}.projection_dead_letters`);
    await q.query(`DROP TABLE ${s}.projection_checkpoints`);
    await q.query(`DROP TABLE ${s}.projection_registry`);
  }
}
