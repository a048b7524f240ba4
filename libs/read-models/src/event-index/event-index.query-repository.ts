import { qualified, type Sql } from '../sql';
import type { IndexedEventRow } from './event-index.row';

const COLUMNS = `event_id, context, aggregate_type, aggregate_id, version, type, schema_version, payload, occurred_at,
  command_id, correlation_id, causation_id, topic, partition, "offset"`;

/** Reads of the event index (query API). Plain keyset SQL against whichever version schema is active. */
export class EventIndexQueryRepository {
  constructor(private readonly sql: Sql) {}

  /** An aggregate's events from `fromVersion` on, oldest first; one more than `limit` tells whether a page follows. */
  async history(
    schema: string,
    aggregateId: string,
    { fromVersion, limit }: { fromVersion: number; limit: number },
  ): Promise<{ items: IndexedEventRow[]; more: boolean }> {
    const { rows } = await this.sql.query(
      `SELECT ${COLUMNS} FROM ${qualified(schema, 'events')} WHERE aggregate_id = $1 AND version >= $2 ORDER BY version LIMIT $3`,
      [aggregateId, fromVersion, limit + 1],
    );
    return { items: rows.slice(0, limit).map(toRow), more: rows.length > limit };
  }

  /** Every event of the aggregate up to a version or a time (inclusive), oldest first: what a fold needs. */
  async upTo(schema: string, aggregateId: string, bound: { version?: number; at?: string }): Promise<IndexedEventRow[]> {
    const params: unknown[] = [aggregateId];
    let where = 'aggregate_id = $1';
    if (bound.version !== undefined) where += ` AND version <= $${params.push(bound.version)}`;
    if (bound.at !== undefined) where += ` AND occurred_at <= $${params.push(bound.at)}`;
    const { rows } = await this.sql.query(`SELECT ${COLUMNS} FROM ${qualified(schema, 'events')} WHERE ${where} ORDER BY version`, params);
    return rows.map(toRow);
  }

  /** Highest version of the aggregate; 0 when the index holds none of its events. */
  async latestVersion(schema: string, aggregateId: string): Promise<number> {
    const { rows } = await this.sql.query(`SELECT max(version) AS v FROM ${qualified(schema, 'events')} WHERE aggregate_id = $1`, [aggregateId]);
    return rows[0]?.v ?? 0;
  }

  /** Events and distinct commands per `bucketSeconds` since `since` (ISO), oldest first; empty buckets left out. */
  async rates(schema: string, since: string, bucketSeconds: number): Promise<{ at: string; events: number; commands: number }[]> {
    const { rows } = await this.sql.query(
      `SELECT to_timestamp(floor(extract(epoch FROM occurred_at) / $2) * $2) AS at, count(*)::int AS events, count(DISTINCT command_id)::int AS commands
         FROM ${qualified(schema, 'events')} WHERE occurred_at >= $1 GROUP BY 1 ORDER BY 1`,
      [since, bucketSeconds],
    );
    return rows.map((r) => ({ at: new Date(r.at).toISOString(), events: r.events, commands: r.commands }));
  }

  /** Events of one correlation id, plus those caused by given event ids (a cause may carry another correlation). */
  async related(schema: string, correlationId: string, causedBy: readonly string[], limit: number): Promise<IndexedEventRow[]> {
    const { rows } = await this.sql.query(
      `SELECT ${COLUMNS} FROM ${qualified(schema, 'events')} WHERE correlation_id = $1
       UNION
       SELECT ${COLUMNS} FROM ${qualified(schema, 'events')} WHERE causation_id = ANY($2::text[])
       LIMIT $3`,
      [correlationId, causedBy, limit],
    );
    return rows.map(toRow);
  }
}

function toRow(r: any): IndexedEventRow {
  return {
    eventId: r.event_id,
    context: r.context,
    aggregateType: r.aggregate_type,
    aggregateId: r.aggregate_id,
    version: r.version,
    type: r.type,
    schemaVersion: r.schema_version,
    payload: r.payload,
    occurredAt: new Date(r.occurred_at).toISOString(),
    commandId: r.command_id,
    correlationId: r.correlation_id,
    causationId: r.causation_id,
    topic: r.topic,
    partition: r.partition,
    offset: String(r.offset),
  };
}
