import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event index of one context, one projection version (runs inside
 * `<ns>_event-index-<context>_v<N>`): every event as stored, payload upcast. The primary key is the
 * aggregate's stream order, so an aggregate's history is one index range scan; correlation and
 * causation ids are indexed for the causal trace of a request.
 */
export class EventIndex1764230600000 implements MigrationInterface {
  name = 'EventIndex1764230600000';

  async up(q: QueryRunner): Promise<void> {
    const s = `"${q.connection.driver.schema}"`;
    await q.query(`
      CREATE TABLE ${s}.events (
        aggregate_id text NOT NULL,
        version integer NOT NULL,
        event_id text NOT NULL,
        context text NOT NULL,
        aggregate_type text NOT NULL,
        type text NOT NULL,
        schema_version integer NOT NULL,
        payload jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        command_id text NOT NULL,
        correlation_id text NOT NULL,
        causation_id text,
        topic text NOT NULL,
        partition integer NOT NULL,
        "offset" bigint NOT NULL,
        PRIMARY KEY (aggregate_id, version)
      )`);
    await q.query(`CREATE INDEX events_correlation_idx ON ${s}.events (correlation_id)`);
    await q.query(`CREATE INDEX events_causation_idx ON ${s}.events (causation_id) WHERE causation_id IS NOT NULL`);
    await q.query(`CREATE INDEX events_event_id_idx ON ${s}.events (event_id)`);
    // The operations console's rates over the last minutes (GET /rates).
    await q.query(`CREATE INDEX events_occurred_idx ON ${s}.events (occurred_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "${q.connection.driver.schema}".events`);
  }
}
