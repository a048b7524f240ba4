import type { Admin } from 'kafkajs';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { APP_CONFIG, AppConfig, withTimeout } from '@es/common';
import { ConflictError, NotFoundError } from '@es/domain';
import { BROKER_ANSWER_WAIT_MS, groups, KAFKA_ADMIN, topics } from '@es/kafka';
import {
  isProjectionName,
  PROCESS_DEAD_LETTER_OWNERS,
  PROJECTION_NAMES,
  PROJECTIONS,
  ProjectionMetaRepository,
  type DeadLetterRow,
  type ProjectionName,
} from '@es/read-models';
import { EventTopicOffsets } from '../shared/event-topic-offsets.service';
import { READ_POOL } from '../shared/read-database';

export interface PartitionStatus {
  topic: string;
  partition: number;
  checkpoint: number | null;
  endOffset: number;
  lag: number;
}

export interface ProjectionStatus {
  name: string;
  activeVersion: number;
  status: 'RUNNING' | 'REBUILDING' | 'STOPPED' | 'NOT_STARTED' | 'DOWN';
  lag: number;
  partitions: PartitionStatus[];
  rebuild: { targetVersion: number; processed: number; total: number; startedAt: string | null } | null;
  deadLetters: DeadLetterView[];
}

export type DeadLetterView = Omit<DeadLetterRow, 'payload'> & { payload?: unknown };

/** GET /projections and the admin operations; everything read live from the registry and Kafka. */
@Injectable()
export class ProjectionStatusService {
  private readonly meta: ProjectionMetaRepository;
  private readonly membersCache = new Map<string, { at: number; members: Promise<number | null> }>();

  constructor(
    @Inject(READ_POOL) private readonly pool: Pool,
    private readonly offsets: EventTopicOffsets,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.meta = new ProjectionMetaRepository(config.namespace);
  }

  async all(): Promise<ProjectionStatus[]> {
    // The event index (issue 10) is an optional deployable: listed once its projector has registered it.
    const registered = new Set((await this.meta.list(this.pool)).map((r) => r.name));
    return Promise.all(PROJECTION_NAMES.filter((name) => !PROJECTIONS[name].eventIndex || registered.has(name)).map((name) => this.one(name)));
  }

  async one(name: ProjectionName): Promise<ProjectionStatus> {
    const reg = await this.meta.find(this.pool, name);
    const topic = topics.events(this.config.namespace, PROJECTIONS[name].context);
    const activeVersion = reg?.activeVersion ?? 1;
    const [ends, checkpoints, deadLetters, consumers] = await Promise.all([
      this.endOffsets(topic),
      this.meta.checkpointsOf(this.pool, name, activeVersion),
      this.meta.deadLettersOf(this.pool, name),
      this.groupMembers(groups.projector(this.config.namespace, name, activeVersion)),
    ]);
    const partitions = ends.map(({ partition, end }) => {
      const cp = checkpoints.find((c) => c.topic === topic && c.partition === partition);
      // Lag in offsets: what the partition holds beyond the checkpoint (the checkpoint is the last applied offset).
      return { topic, partition, checkpoint: cp?.offset ?? null, endOffset: end, lag: Math.max(0, end - 1 - (cp?.offset ?? -1)) };
    });
    let rebuild: ProjectionStatus['rebuild'] = null;
    if (reg?.rebuildTargetVersion) {
      const target = await this.meta.checkpointsOf(this.pool, name, reg.rebuildTargetVersion);
      const processed = target.reduce((sum, c) => sum + c.offset + 1, 0);
      rebuild = { targetVersion: reg.rebuildTargetVersion, processed, total: Math.max(reg.rebuildTotal ?? 0, processed), startedAt: reg.rebuildStartedAt };
    }
    const stopped = deadLetters.some((d) => d.version === activeVersion && (d.status === 'PENDING' || d.status === 'RETRYING'));
    return {
      name,
      activeVersion,
      // DOWN: nobody consumes the active version (its projector crashed, is restarting, or is not deployed).
      status: !reg ? 'NOT_STARTED' : stopped ? 'STOPPED' : rebuild ? 'REBUILDING' : consumers === 0 ? 'DOWN' : 'RUNNING',
      lag: partitions.reduce((sum, p) => sum + p.lag, 0),
      partitions,
      rebuild,
      deadLetters: deadLetters.filter((d) => d.status === 'PENDING' || d.status === 'RETRYING').map(({ payload: _payload, ...rest }) => rest),
    };
  }

  /** Records a rebuild request that the projector processes (or the CLI) carry out. */
  async requestRebuild(name: string): Promise<{ name: string; targetVersion: number }> {
    if (!isProjectionName(name)) throw new NotFoundError(`unknown projection ${name}`);
    const ends = await this.endOffsets(topics.events(this.config.namespace, PROJECTIONS[name].context));
    await this.meta.ensureRegistered(this.pool, name);
    const targetVersion = await this.meta.requestRebuild(
      this.pool,
      name,
      ends.reduce((sum, p) => sum + p.end, 0),
    );
    if (targetVersion === undefined) {
      const reg = await this.meta.find(this.pool, name);
      throw new ConflictError(`a rebuild of ${name} (to v${reg?.rebuildTargetVersion}) is already running`);
    }
    return { name, targetVersion };
  }

  async deadLetters(name?: string): Promise<DeadLetterRow[]> {
    // The fulfillment saga's dead letters are listed here too, under its own name.
    if (name !== undefined && !isProjectionName(name) && !(PROCESS_DEAD_LETTER_OWNERS as readonly string[]).includes(name)) {
      throw new NotFoundError(`unknown projection or process ${name}`);
    }
    return this.meta.deadLettersOf(this.pool, name);
  }

  async retry(id: number): Promise<DeadLetterRow> {
    await this.existing(id);
    if (!(await this.meta.markRetry(this.pool, id))) throw new ConflictError(`dead letter ${id} is not pending`);
    return (await this.meta.deadLetter(this.pool, id))!;
  }

  async skip(id: number): Promise<DeadLetterRow> {
    const before = await this.existing(id);
    if (before.status !== 'PENDING' || !(await this.meta.skip(this.pool, id))) throw new ConflictError(`dead letter ${id} is not pending`);
    return (await this.meta.deadLetter(this.pool, id))!;
  }

  private async existing(id: number): Promise<DeadLetterRow> {
    const row = Number.isSafeInteger(id) ? await this.meta.deadLetter(this.pool, id) : undefined;
    if (!row) throw new NotFoundError(`dead letter ${id} not found`);
    return row;
  }

  /** Members of a consumer group (null: unknown), shared for half a second like the end offsets. */
  private groupMembers(groupId: string): Promise<number | null> {
    const hit = this.membersCache.get(groupId);
    if (hit && Date.now() - hit.at < 500) return hit.members;
    // Bounded like the end offsets (EventTopicOffsets): a hung broker must not hang GET /projections.
    const members = withTimeout(this.admin.describeGroups([groupId]), BROKER_ANSWER_WAIT_MS)
      .then((r: { groups: { members: unknown[] }[] }) => r.groups[0]?.members.length ?? 0)
      .catch(() => null);
    this.membersCache.set(groupId, { at: Date.now(), members });
    return members;
  }

  /** Shared for half a second (dashboards poll this); no partitions when the broker cannot be asked. */
  private async endOffsets(topic: string): Promise<readonly { partition: number; end: number }[]> {
    return (await this.offsets.cached(topic)) ?? [];
  }
}
