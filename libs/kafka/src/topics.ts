import { BOUNDED_CONTEXT_NAMES, type BoundedContext } from '@es/domain';
import { Partitioners } from 'kafkajs';

/** Names of everything a namespace owns on the broker; one place so no app invents its own. */
// The contexts are the domain's list (BOUNDED_CONTEXT_NAMES); these aliases keep the broker-side name.
export type Context = BoundedContext;
export const CONTEXTS: readonly Context[] = BOUNDED_CONTEXT_NAMES;

export const topics = {
  commands: (ns: string, ctx: Context) => `${ns}.${ctx}.commands`,
  events: (ns: string, ctx: Context) => `${ns}.${ctx}.events`,
  /** Compacted changelog of aggregate state, written in the same transaction as the events. */
  state: (ns: string, ctx: Context) => `${ns}.${ctx}.state`,
  /** Command outcomes for the command API instances (keyed by instance id). */
  replies: (ns: string) => `${ns}.command-replies`,
};

export const groups = {
  commandProcessor: (ns: string, ctx: Context) => `${ns}.command-processor.${ctx}`,
  projector: (ns: string, projection: string, version: number) => `${ns}.projector.${projection}.v${version}`,
  saga: (ns: string) => `${ns}.fulfillment-saga`,
  commandApiReplies: (ns: string, instanceId: string) => `${ns}.command-api.replies.${instanceId}`,
};

export const transactionalIds = {
  /** Derived from the input partition so that a new owner fences the previous one (zombie). */
  commandProcessor: (ns: string, ctx: Context, partition: number) => `${ns}.command-processor.${ctx}.${partition}`,
  saga: (ns: string, topic: string, partition: number) => `${ns}.fulfillment-saga.${topic}.${partition}`,
};

const defaultPartitioner = Partitioners.DefaultPartitioner();
const partitionLists = new Map<number, { partitionId: number; leader: number }[]>();

/**
 * The partition of a key in a topic of `partitions` partitions, exactly as the producers choose it
 * (kafkajs' default partitioner, Java's murmur2): lets a producer send one partition per call.
 */
export function partitionForKey(key: string, partitions: number): number {
  let list = partitionLists.get(partitions);
  if (!list) partitionLists.set(partitions, (list = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0 }))));
  return defaultPartitioner({ topic: '', partitionMetadata: list as never, message: { key, value: null } });
}
