import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { APP_CONFIG, AppConfig } from '@es/common';
import { ProjectionMetaRepository, projectionSchema, type ProjectionName } from '@es/read-models';
import { READ_POOL } from './read-database';

const TTL_MS = 250;
const UNDEFINED_TABLE = '42P01';
const INVALID_SCHEMA = '3F000';

/**
 * Which schema each projection is served from. The registry row is cached for a quarter second;
 * that is safe because the old version's schema outlives a switch by a grace period, and a query
 * that still hits a dropped schema is retried once against a fresh lookup.
 */
@Injectable()
export class ActiveVersionsService {
  private readonly meta: ProjectionMetaRepository;
  private readonly cache = new Map<string, { version: number; at: number }>();
  private readonly missingUntil = new Map<string, number>();

  constructor(
    @Inject(READ_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.meta = new ProjectionMetaRepository(config.namespace);
  }

  async version(name: ProjectionName, fresh = false): Promise<number> {
    const hit = this.cache.get(name);
    if (!fresh && hit && Date.now() - hit.at < TTL_MS) return hit.version;
    const reg = await this.meta.find(this.pool, name);
    const version = reg?.activeVersion ?? 1;
    this.cache.set(name, { version, at: Date.now() });
    return version;
  }

  /** A position was just applied: whatever was missing a moment ago exists now. */
  forgetMissing(): void {
    this.missingUntil.clear();
  }

  /**
   * Runs a read against the active schema, re-resolving once if a switch dropped the one it used.
   * Before the projector's first boot there is no schema at all: the answer is `nothing projected`.
   */
  async read<T>(name: ProjectionName, query: (schema: string) => Promise<T>, nothingProjected: T): Promise<T> {
    // A failed query costs a pooled connection (node-postgres drops it), so "not created yet" is
    // remembered for a second instead of being rediscovered by every request.
    if ((this.missingUntil.get(name) ?? 0) > Date.now()) return nothingProjected;
    try {
      return await query(projectionSchema(this.config.namespace, name, await this.version(name)));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== UNDEFINED_TABLE && code !== INVALID_SCHEMA) throw error;
      const version = await this.version(name, true);
      try {
        return await query(projectionSchema(this.config.namespace, name, version));
      } catch (again) {
        const c = (again as { code?: string }).code;
        if (c === UNDEFINED_TABLE || c === INVALID_SCHEMA) {
          this.missingUntil.set(name, Date.now() + 1000);
          return nothingProjected;
        }
        throw again;
      }
    }
  }
}
