import { qualified, type Sql } from '../sql';
import type { IndexedEventRow } from './event-index.row';

/** The highest version an event can have (a PostgreSQL integer). */
export const MAX_VERSION = 2_147_483_647;

/** Events that occurred in one bucket of `/rates`, and the distinct accepted commands behind them. */
export interface RateBucket {
  at: string;
  events: number;
  commands: number;
}

const COLUMNS = `event_id, context, aggregate_type, aggregate_id, version, type, schema_version, payload, occurred_at,
  command_id, correlation_id, causation_id, topic, partition, "offset"`;

/** Reads of the event index (query API). Plain keyset SQL against whichever version schema is active. */
export class EventIndexQueryRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * An aggregate's events from `fromVersion` on, oldest first; one more than `limit` tells whether a
   * page follows. A stream's versions are 1…n without gaps, so a page is a range of versions, not a
   * LIMIT (see `range`).
   */
  async history(
    schema: string,
    aggregateId: string,
    { fromVersion, limit }: { fromVersion: number; limit: number },
  ): Promise<{ items: IndexedEventRow[]; more: boolean }> {
    const rows = await this.range(schema, aggregateId, { afterVersion: fromVersion - 1, throughVersion: fromVersion + limit });
    return { items: rows.slice(0, limit), more: rows.length > limit };
  }

  /**
   * The aggregate's events with versions in (afterVersion, throughVersion], oldest first; with `at`,
   * only those that occurred at or before it. A bounded range of the primary key rather than
   * `version > x ORDER BY version LIMIT n`: PostgreSQL estimates a few hundred rows per aggregate (a
   * long stream is rarely among its most common values, and a freshly rebuilt index has no
   * statistics at all), so for a LIMIT above that it fetched every later version and sorted them —
   * a fold of 200,000 events read page by page took 15 s instead of 1.4 s. A range costs its own
   * rows whatever the plan.
   */
  async range(schema: string, aggregateId: string, bound: { afterVersion: number; throughVersion: number; at?: string }): Promise<IndexedEventRow[]> {
    const params: unknown[] = [aggregateId, Math.max(0, bound.afterVersion), Math.min(MAX_VERSION, bound.throughVersion)];
    let where = 'aggregate_id = $1 AND version > $2 AND version <= $3';
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
  async rates(schema: string, since: string, bucketSeconds: number): Promise<RateBucket[]> {
    const { rows } = await this.sql.query(
      `SELECT to_timestamp(floor(extract(epoch FROM occurred_at) / $2) * $2) AS at, count(*)::int AS events, count(DISTINCT command_id)::int AS commands
         FROM ${qualified(schema, 'events')} WHERE occurred_at >= $1 GROUP BY 1 ORDER BY 1`,
      [since, bucketSeconds],
    );
    return rows.map((r) => ({ at: new Date(r.at).toISOString(), events: r.events, commands: r.commands }));
  }

  /** Events that carry a correlation id, at most `limit`. */
  async correlated(schema: string, correlationId: string, limit: number): Promise<IndexedEventRow[]> {
    const { rows } = await this.sql.query(`SELECT ${COLUMNS} FROM ${qualified(schema, 'events')} WHERE correlation_id = $1 LIMIT $2`, [correlationId, limit]);
    return rows.map(toRow);
  }

  /** Events caused by given event ids (a cause may carry another correlation), at most `limit`. */
  async causedBy(schema: string, causes: readonly string[], limit: number): Promise<IndexedEventRow[]> {
    const { rows } = await this.sql.query(`SELECT ${COLUMNS} FROM ${qualified(schema, 'events')} WHERE causation_id = ANY($1::text[]) LIMIT $2`, [
      causes,
      limit,
    ]);
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
