import { isDeepStrictEqual, parseArgs } from 'node:util';
import type { Kafka } from 'kafkajs';
import { JsonLogger, loadConfigOrExit, ProgressBar, type AppConfig } from '@es/common';
import { BOUNDED_CONTEXTS, type BoundedContextDefinition, type Command, type DomainEvent, type Versioned } from '@es/domain';
import { CONTEXTS, createKafka, groups, KafkaPartitionLog, topics, type Context } from '@es/kafka';
import { PartitionProcessor } from '../processing/partition-processor';
import { foldPartition, type FoldedPartition } from '../processing/state-rebuild';

/**
 * Operator commands over the aggregates' state topic, which is a cache of the event topics:
 *
 *   npx nx run command-processor:rebuild-state [--context orders]
 *     folds each partition's events from offset zero with the current decider and replaces its state
 *     records. It opens each partition's transactional log, so it fences the running owner: that
 *     owner's next commit fails, and it restores the rebuilt records. Safe while the system runs.
 *   npx nx run command-processor:verify-state [--context orders]
 *     folds the events of every aggregate and compares them with the state topic (read-only, fences
 *     nobody); prints each divergence and exits 1 when there is any.
 */
export async function runStateToolsCli(command: 'rebuild-state' | 'verify-state', argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { context: { type: 'string' } }, allowPositionals: false });
  const contexts = values.context === undefined ? CONTEXTS : CONTEXTS.filter((c) => c === values.context);
  if (contexts.length === 0) {
    process.stderr.write(`--context must be one of ${CONTEXTS.join(', ')}\n`);
    return 2;
  }
  const config = loadConfigOrExit('command-processor');
  const logger = new JsonLogger(`command-processor-${command}`, 'warn', (line) => process.stderr.write(line + '\n'));
  const kafka = createKafka(config.kafka, logger, command);
  const ends = await eventTopics(kafka, config, contexts);
  const total = [...ends.values()].flat().reduce((sum, end) => sum + end, 0);
  const bar = new ProgressBar(command);
  let before = 0;
  const progress = throttled((offset: number) => bar.render(before + offset + 1, total));
  let divergences = 0;
  for (const context of contexts) {
    const definition = BOUNDED_CONTEXTS[context] as unknown as BoundedContextDefinition<Command, DomainEvent, Versioned>;
    const partitionEnds = ends.get(context) ?? [];
    for (let partition = 0; partition < partitionEnds.length; partition += 1) {
      const options = {
        namespace: config.namespace,
        context,
        partition,
        stateVersion: definition.stateVersion,
        consumerGroupId: groups.commandProcessor(config.namespace, context),
      };
      if (command === 'rebuild-state') {
        const log = await KafkaPartitionLog.open(kafka, options);
        try {
          const processor = new PartitionProcessor(definition, log, {
            idempotencyWindowMs: config.idempotencyWindowMs,
            clock: () => new Date().toISOString(),
            eventsTopic: topics.events(config.namespace, context),
            onRebuildProgress: progress,
          });
          await processor.restore({ force: true });
        } finally {
          await log.close();
        }
      } else {
        divergences += await verifyPartition(definition, KafkaPartitionLog.reader(kafka, options), topics.events(config.namespace, context), progress);
      }
      before += partitionEnds[partition];
    }
  }
  bar.render(total, total);
  if (command === 'rebuild-state') {
    bar.finish(`rebuilt the state of ${contexts.join(', ')} from ${total} event records`);
    return 0;
  }
  bar.finish(
    divergences === 0 ? `state topic agrees with the events (${contexts.join(', ')})` : `${divergences} divergence(s) between the state topic and the events`,
  );
  return divergences === 0 ? 0 : 1;
}

/**
 * One partition: the state is read first, the events after, so an aggregate written meanwhile can
 * only be ahead in the fold; such aggregates are read again (the owner may have been mid-commit)
 * before they count as divergent.
 */
async function verifyPartition(
  definition: BoundedContextDefinition<Command, DomainEvent, Versioned>,
  log: KafkaPartitionLog,
  topic: string,
  progress: (offset: number) => void,
): Promise<number> {
  let pending: string[] | undefined;
  let problems: string[] = [];
  let lastForeign: FoldedPartition['foreign'] = { count: 0, offsets: [] };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const state = await log.readCommittedState();
    const folded = await foldPartition(definition, log, { topic, outcomesSinceMs: Infinity, onProgress: attempt === 0 ? progress : undefined });
    lastForeign = folded.foreign;
    problems = [];
    const behind: string[] = [];
    for (const id of state.undecodable) problems.push(`${id}: the state record does not decode`);
    for (const [id, expected] of folded.aggregates) {
      if (pending && !pending.includes(id)) continue;
      const actual = state.aggregates.get(id);
      if (!actual) problems.push(`${id}: no state record (events say version ${expected.version})`);
      else if (actual.version < expected.version) behind.push(id);
      else if (actual.version > expected.version) problems.push(`${id}: state record at version ${actual.version}, events end at ${expected.version}`);
      else if ((actual.stateVersion ?? 0) !== definition.stateVersion)
        problems.push(`${id}: state version ${actual.stateVersion ?? 0}, current ${definition.stateVersion} (the owner rebuilds it on its next assignment)`);
      else if (!isDeepStrictEqual(actual.state, expected.state)) {
        problems.push(
          `${id}: state differs at version ${expected.version}: stored ${JSON.stringify(actual.state)}, events fold to ${JSON.stringify(expected.state)}`,
        );
      }
    }
    if (!pending) {
      for (const id of state.aggregates.keys()) if (!folded.aggregates.has(id)) problems.push(`${id}: a state record with no events`);
    }
    if (behind.length === 0) break;
    pending = behind;
    if (attempt === 2) for (const id of behind) problems.push(`${id}: state record behind the events`);
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const p of problems) process.stdout.write(`divergence ${definition.context}[${log.partition}] ${p}\n`);
  if (lastForeign.count > 0) {
    // Not a divergence (no aggregate's state depends on them), but someone wrote to the source of truth.
    process.stdout.write(
      `warning ${definition.context}[${log.partition}] ${lastForeign.count} record(s) that are no event skipped, at offsets ${lastForeign.offsets.join(', ')}${lastForeign.count > lastForeign.offsets.length ? ', …' : ''}\n`,
    );
  }
  return problems.length;
}

/** Partition count and end offsets of the contexts' event topics, in one admin round trip each. */
async function eventTopics(kafka: Kafka, config: AppConfig, contexts: readonly Context[]): Promise<Map<Context, number[]>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<Context, number[]>();
    for (const context of contexts) {
      const offsets = await admin.fetchTopicOffsets(topics.events(config.namespace, context));
      ends.set(
        context,
        offsets.sort((a, b) => a.partition - b.partition).map((p) => Number(p.high)),
      );
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** Redraws at most four times a second: a fold calls back once per event. */
function throttled(render: (offset: number) => void): (offset: number) => void {
  let last = 0;
  return (offset) => {
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    render(offset);
  };
}
