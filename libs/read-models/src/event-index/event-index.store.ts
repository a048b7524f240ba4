import type { ReadModelStore, RowChange } from '../projections/read-model-store';
import { qualified, type Sql } from '../sql';
import type { IndexedEventRow } from './event-index.row';

/**
 * Bulk I/O of the event index. Events are immutable, so there is nothing to load: `load` answers
 * without a round trip and `save` appends the batch with one multi-row insert (columns as arrays
 * through unnest, like the other stores). `ON CONFLICT DO NOTHING` on (aggregate_id, version) is
 * the per-event guard behind the checkpoint.
 */
export const eventIndexStore: ReadModelStore<IndexedEventRow> = {
  async load() {
    return new Map();
  },

  async save(sql: Sql, schema: string, changes: readonly RowChange<IndexedEventRow>[]) {
    if (changes.length === 0) return;
    const rows = changes.map((c) => c.after);
    await sql.query(
      `INSERT INTO ${qualified(schema, 'events')}
         (aggregate_id, version, event_id, context, aggregate_type, type, schema_version, payload, occurred_at,
          command_id, correlation_id, causation_id, topic, partition, "offset")
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::jsonb[],
                            $9::timestamptz[], $10::text[], $11::text[], $12::text[], $13::text[], $14::int[], $15::bigint[])
       ON CONFLICT (aggregate_id, version) DO NOTHING`,
      [
        rows.map((r) => r.aggregateId),
        rows.map((r) => r.version),
        rows.map((r) => r.eventId),
        rows.map((r) => r.context),
        rows.map((r) => r.aggregateType),
        rows.map((r) => r.type),
        rows.map((r) => r.schemaVersion),
        rows.map((r) => JSON.stringify(r.payload ?? null)),
        rows.map((r) => r.occurredAt),
        rows.map((r) => r.commandId),
        rows.map((r) => r.correlationId),
        rows.map((r) => r.causationId),
        rows.map((r) => r.topic),
        rows.map((r) => r.partition),
        rows.map((r) => r.offset),
      ],
    );
  },
};
