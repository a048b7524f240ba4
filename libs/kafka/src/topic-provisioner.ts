import type { Admin, ITopicConfig } from 'kafkajs';
import { ConfigResourceTypes } from 'kafkajs';
import type { TopicSettings } from '@es/common';
import { CONTEXTS, topics } from './topics';

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly config: Record<string, string>;
}

// Events are the source of truth: nothing may ever expire them, on any broker default.
const KEEP_FOREVER = { 'retention.ms': '-1', 'retention.bytes': '-1', 'cleanup.policy': 'delete' };
// A group commit writes one record batch per partition; a hot aggregate's state record can be large.
// The broker default (1 MiB per batch) would make such a commit fail on every retry.
const LARGE_BATCHES = { 'max.message.bytes': String(16 * 1024 * 1024) };

/** Every topic a namespace needs, with the settings the design depends on. */
export function namespaceTopics(ns: string, settings: TopicSettings): TopicSpec[] {
  const minIsr = String(settings.minInsyncReplicas);
  const specs: TopicSpec[] = [];
  for (const ctx of CONTEXTS) {
    // Commands and events share partition count and key so command partition p ↔ event partition p.
    specs.push({ name: topics.events(ns, ctx), partitions: settings.partitions, config: { ...KEEP_FOREVER, ...LARGE_BATCHES, 'min.insync.replicas': minIsr } });
    specs.push({
      name: topics.commands(ns, ctx),
      partitions: settings.partitions,
      config: { 'retention.ms': String(7 * 24 * 3600 * 1000), 'cleanup.policy': 'delete', 'min.insync.replicas': minIsr },
    });
    specs.push({
      name: topics.state(ns, ctx),
      partitions: settings.partitions,
      config: {
        ...LARGE_BATCHES,
        'cleanup.policy': 'compact',
        'min.insync.replicas': minIsr,
        // Small segments so the cleaner compacts soon: restore time follows the compacted size.
        'segment.ms': String(10 * 60 * 1000),
        'segment.bytes': String(64 * 1024 * 1024),
        'min.cleanable.dirty.ratio': '0.1',
      },
    });
  }
  specs.push({
    name: topics.replies(ns),
    partitions: settings.partitions,
    config: { 'retention.ms': String(3600 * 1000), 'cleanup.policy': 'delete', 'min.insync.replicas': minIsr },
  });
  return specs;
}

export class TopicMismatchError extends Error {
  constructor(readonly problems: string[]) {
    super(`existing topics do not match the required settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'TopicMismatchError';
  }
}

/**
 * Creates missing topics and checks existing ones. Idempotent: every app may call it at boot.
 * A topic whose partition count or retention differs is an error, never silently "fixed": changing
 * either would break the command-partition ↔ event-partition mapping or lose events.
 */
export async function provisionTopics(admin: Admin, specs: TopicSpec[], replicationFactor: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.name));
  if (missing.length > 0) {
    const toCreate: ITopicConfig[] = missing.map((s) => ({
      topic: s.name,
      numPartitions: s.partitions,
      replicationFactor,
      configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
    }));
    try {
      await admin.createTopics({ topics: toCreate, waitForLeaders: true });
    } catch (error) {
      // Another app created the same topic concurrently: the check below still validates it.
      if (!/already exists/i.test(String((error as Error).message)) && (error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
    }
  }
  const problems: string[] = [];
  const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
  for (const spec of specs) {
    const topic = metadata.topics.find((t) => t.name === spec.name);
    if (!topic) problems.push(`${spec.name}: missing after creation`);
    else if (topic.partitions.length !== spec.partitions) {
      problems.push(`${spec.name}: has ${topic.partitions.length} partitions, TOPIC_PARTITIONS says ${spec.partitions}`);
    }
  }
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.name, configNames: ['retention.ms', 'retention.bytes', 'cleanup.policy'] })),
  });
  for (const resource of described.resources) {
    const spec = specs.find((s) => s.name === resource.resourceName);
    if (!spec) continue;
    for (const entry of resource.configEntries) {
      const wanted = spec.config[entry.configName];
      if (wanted !== undefined && spec.name.endsWith('.events') && entry.configValue !== wanted) {
        problems.push(`${spec.name}: ${entry.configName}=${entry.configValue}, events must keep ${entry.configName}=${wanted}`);
      }
    }
  }
  if (problems.length > 0) throw new TopicMismatchError(problems);
}
