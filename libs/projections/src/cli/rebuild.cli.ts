import { JsonLogger, loadConfigOrExit, ProgressBar } from '@es/common';
import { createKafka, topics } from '@es/kafka';
import { createDataSource, createPool, META_MIGRATIONS, metaSchema, migrate, ProjectionMetaRepository } from '@es/read-models';
import { createProjector } from '../nest/projector.module';
import type { ProjectionDefinition } from '../runtime/projection-spec';

/**
 * `nx run <projector>:rebuild`: records a rebuild request (or follows the one already running),
 * runs the target version's runner in this process — in the same consumer group as the runners of
 * any projector instances, so they share the work — shows progress on stderr, and returns once the
 * rebuilt version is active. The live version is never touched: killing this midway leaves the
 * request recorded, and the next run (or a running projector) resumes from the target's checkpoints.
 */
export async function runRebuildCli(appName: string, projection: ProjectionDefinition): Promise<void> {
  const config = loadConfigOrExit(appName);
  const logger = new JsonLogger(`${appName}-rebuild`, 'warn', (line) => process.stderr.write(line + '\n'));
  const name = projection.info.name;
  const kafka = createKafka(config.kafka, logger, 'rebuild');
  const admin = kafka.admin();
  const pool = createPool(
    { connectionString: config.databaseUrl, max: 2 },
    (error) => logger.event('warn', 'database connection lost', { error: error.message }),
    config.databaseTimeouts,
  );
  const meta = new ProjectionMetaRepository(config.namespace);
  try {
    await admin.connect();
    const ds = createDataSource({
      url: config.databaseUrl,
      schema: metaSchema(config.namespace),
      migrations: META_MIGRATIONS,
      poolSize: 2,
      timeouts: config.databaseTimeouts,
    });
    await ds.initialize();
    await migrate(ds).finally(() => ds.destroy());
    await meta.ensureRegistered(pool, name);
    const offsets = await admin.fetchTopicOffsets(topics.events(config.namespace, projection.info.context));
    const total = offsets.reduce((sum, p) => sum + Number(p.high), 0);
    let target = await meta.requestRebuild(pool, name, total);
    if (target === undefined) {
      target = (await meta.find(pool, name))!.rebuildTargetVersion!;
      process.stderr.write(`a rebuild of ${name} to v${target} is already running: following it\n`);
    } else {
      process.stderr.write(`rebuilding ${name} as v${target} from offset 0 (${total} records)\n`);
    }
    const previous = (await meta.find(pool, name))!.activeVersion;
    const { supervisor, pool: runnerPool } = createProjector(projection, { config, logger, kafka, admin }, { rebuildOnly: true });
    await supervisor.start();
    const bar = new ProgressBar(`${name} v${target}`);
    for (;;) {
      const reg = await meta.find(pool, name);
      const cps = await meta.checkpointsOf(pool, name, target);
      const done = cps.reduce((sum, c) => sum + c.offset + 1, 0);
      if (reg && reg.activeVersion >= target) {
        bar.render(done, done);
        break;
      }
      bar.render(done, Math.max(reg?.rebuildTotal ?? total, done));
      await new Promise((r) => setTimeout(r, 500));
    }
    const grace = config.projection.dropOldVersionAfterMs;
    bar.finish(
      `${name} v${target} is active; dropping v${previous} in ${Math.round(grace / 1000)} s (queries that resolved it just before the switch finish first)`,
    );
    await new Promise((r) => setTimeout(r, grace));
    await supervisor.dropVersion(previous);
    await supervisor.stop();
    await runnerPool.end();
  } finally {
    await admin.disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}
