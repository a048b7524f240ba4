import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { APP_CONFIG, AppConfig, HealthRegistry, JsonLogger, Metrics, withCorrelation } from '@es/common';
import { BOUNDED_CONTEXTS, type BoundedContextDefinition, type Command, type DomainEvent, type Versioned } from '@es/domain';
import { BatchRetries, CONTEXTS, Context, groups, KAFKA, KafkaPartitionLog, SupervisedConsumer, topics } from '@es/kafka';
import { parseCommand, PartitionProcessor } from './partition-processor';
import { PoisonEventError } from './state-rebuild';

/**
 * Upper bound of commands in one transaction: bounds the latency of the first command in a burst and
 * the size of the record batches (one state record per touched aggregate, up to a few KiB each).
 */
const MAX_GROUP_COMMIT = 200;
/** How often the command consumer group's offsets are committed (outside the transactions). */
const GROUP_OFFSET_COMMIT_MS = 2000;

interface ContextRuntime {
  readonly context: Context;
  readonly consumer: SupervisedConsumer;
  readonly processors: Map<number, Promise<PartitionProcessor>>;
  /** The same processors once restored, for synchronous reads (metrics). */
  readonly ready: Map<number, PartitionProcessor>;
  /** Consecutive failed batches per partition, reset by a successful one; fetched again in place. */
  readonly failures: BatchRetries;
  /** Partitions stopped on an event the decider cannot fold: their commands wait for an operator. */
  readonly stopped: Map<number, { eventOffset: string; error: string }>;
  assigned: number[];
}

/**
 * One consumer group per context on its command topic. Kafka gives each partition to exactly one
 * instance; that instance opens the partition's transactional log and restores it (fencing a previous
 * owner, then reading the aggregates), and from then on is the only writer of the partition's events.
 */
@Injectable()
export class CommandConsumerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly runtimes: ContextRuntime[] = [];
  private readonly commandsTotal;
  private readonly batchSeconds;
  private readonly aggregatesGauge;
  private readonly txPhaseSeconds;
  private readonly metrics: Metrics;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: JsonLogger,
    private readonly health: HealthRegistry,
    metrics: Metrics,
  ) {
    this.metrics = metrics;
    this.commandsTotal = metrics.counter('es_commands_total', 'Commands processed', ['context', 'outcome']);
    this.batchSeconds = metrics.histogram('es_command_batch_seconds', 'Decide + transactional commit of one command batch', ['context']);
    this.aggregatesGauge = metrics.gauge('es_aggregates_in_memory', 'Aggregates held by this instance', ['context']);
    this.txPhaseSeconds = metrics.histogram('es_command_tx_phase_seconds', 'Kafka round trips of one command transaction, by phase', ['context', 'phase']);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const context of CONTEXTS) {
      const runtime = await this.startContext(context);
      this.runtimes.push(runtime);
      this.health.register(runtime.consumer.health());
    }
    this.health.register({
      name: 'command-consumers',
      // A partition whose batches keep failing (the same batch is retried after each restore) is
      // not "up", even though the process is: report it instead of looping silently.
      check: async () => ({
        ok: this.runtimes.every((r) => r.stopped.size === 0 && r.failures.ok),
        detail: Object.fromEntries(
          this.runtimes.map((r) => [r.context, { partitions: r.assigned, failing: r.failures.detail(), stopped: Object.fromEntries(r.stopped) }]),
        ),
      }),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.runtimes.map(async (runtime) => {
        await runtime.consumer.stop();
        await this.forgetPartitions(runtime);
      }),
    );
    await this.replies?.then((p) => p.disconnect()).catch(() => undefined);
  }

  private async startContext(context: Context): Promise<ContextRuntime> {
    const definition = BOUNDED_CONTEXTS[context] as unknown as BoundedContextDefinition<Command, DomainEvent, Versioned>;
    const groupId = groups.commandProcessor(this.config.namespace, context);
    const topic = topics.commands(this.config.namespace, context);
    const runtime: ContextRuntime = {
      context,
      consumer: undefined as unknown as SupervisedConsumer,
      processors: new Map(),
      ready: new Map(),
      failures: new BatchRetries({ logger: this.logger }),
      stopped: new Map(),
      assigned: [],
    };
    const consumer = new SupervisedConsumer({
      name: `command-processor.${context}`,
      kafka: this.kafka,
      logger: this.logger,
      metrics: this.metrics,
      config: {
        groupId,
        readUncommitted: false,
        // A killed owner's partitions move after this long; restores keep the session alive.
        sessionTimeout: 10000,
        rebalanceTimeout: 60000,
        // kafkajs' default, under a third of the session timeout: at rest one heartbeat every ~3 s
        // (after an empty fetch) instead of one per 1 s long poll.
        heartbeatInterval: 3000,
        // Long poll (min 1 byte, up to 1 s by default; validated config COMMAND_FETCH_MIN_BYTES,
        // COMMAND_FETCH_MAX_WAIT_MS): a command is fetched as soon as it is appended, and group commit
        // forms on its own (what arrives during a transaction is the next batch). The former 64 KiB /
        // 5 ms fetch cost ~200 empty fetches a second per context at rest.
        minBytes: this.config.commandFetch.minBytes,
        maxWaitTimeInMs: this.config.commandFetch.maxWaitMs,
        allowAutoTopicCreation: false,
      },
      // After a crash the partitions may have moved and come back while we were away: every
      // processor is dropped (its producer closed) and the next assignment restores from Kafka, so
      // memory never runs ahead of, or lags behind, the log.
      onReset: () => this.forgetPartitions(runtime),
      start: (c) => this.consume(runtime, c, definition, groupId, topic),
    });
    (runtime as { consumer: SupervisedConsumer }).consumer = consumer;
    await consumer.start();
    return runtime;
  }

  private async forgetPartitions(runtime: ContextRuntime): Promise<void> {
    const processors = [...runtime.processors.values()];
    runtime.processors.clear();
    runtime.ready.clear();
    runtime.failures.clear();
    runtime.stopped.clear();
    runtime.assigned = [];
    await Promise.all(processors.map((p) => p.then((x) => x.close()).catch(() => undefined)));
  }

  private async consume(
    runtime: ContextRuntime,
    consumer: Consumer,
    definition: BoundedContextDefinition<Command, DomainEvent, Versioned>,
    groupId: string,
    topic: string,
  ): Promise<void> {
    const context = runtime.context;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = (payload.memberAssignment[topic] ?? []).slice().sort((a, b) => a - b);
      runtime.assigned = assigned;
      for (const partition of runtime.stopped.keys()) if (!assigned.includes(partition)) runtime.stopped.delete(partition);
      runtime.failures.keepOnly({ [topic]: assigned });
      // Partitions that moved away: drop their state and producer; the new owner has fenced us.
      for (const [partition, processor] of runtime.processors) {
        if (!assigned.includes(partition)) {
          runtime.processors.delete(partition);
          runtime.ready.delete(partition);
          void processor.then((p) => p.close()).catch(() => undefined);
        }
      }
      this.logger.event('info', 'partitions assigned', { context, partitions: assigned });
    });
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      // The offset that counts is the one each transaction records in the state partition (exactly
      // once); the group's offset only saves a new owner from re-reading (and skipping) old commands,
      // so it is committed outside the transactions, at most every GROUP_OFFSET_COMMIT_MS.
      autoCommit: false,
      autoCommitInterval: GROUP_OFFSET_COMMIT_MS,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.config.topics.partitions,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, pause, commitOffsetsIfNecessary }) => {
        let processor: PartitionProcessor;
        try {
          processor = await this.processorFor(runtime, definition, groupId, batch.partition, heartbeat);
        } catch (error) {
          // Kafka unreachable while opening (fencing) or restoring the partition: try again later.
          if (!(error instanceof PoisonEventError))
            return runtime.failures.retry(
              consumer,
              { topic, partition: batch.partition, offset: batch.messages[0].offset },
              error,
              'partition could not be opened; it will be restored again',
              { context },
            );
          // Deciding on state that skipped an event would break the invariants: this partition stops
          // (its commands wait, /health names it), the others keep serving. A new assignment or a
          // restart tries again, e.g. after a decider fix is deployed.
          runtime.stopped.set(batch.partition, { eventOffset: error.offset, error: error.reason });
          this.logger.event('error', 'partition stopped: an event cannot be folded', {
            context,
            partition: batch.partition,
            eventOffset: error.offset,
            error: error.reason,
          });
          pause();
          return;
        }
        const messages = batch.messages;
        for (let i = 0; i < messages.length; i += MAX_GROUP_COMMIT) {
          if (!isRunning() || isStale()) return;
          const chunk = messages.slice(i, i + MAX_GROUP_COMMIT);
          const parsed = chunk.map((m) => parseCommand(definition, m as never));
          const timer = this.batchSeconds.startTimer({ context });
          try {
            const outcome = await withCorrelation({ correlationId: parsed[0]?.envelope?.correlationId ?? 'batch' }, () => processor.process(parsed));
            timer();
            runtime.failures.succeeded(topic, batch.partition);
            this.commandsTotal.inc({ context, outcome: 'applied' }, outcome.commands - outcome.rejected - outcome.duplicates);
            this.commandsTotal.inc({ context, outcome: 'rejected' }, outcome.rejected);
            this.commandsTotal.inc({ context, outcome: 'duplicate' }, outcome.duplicates);
          } catch (error) {
            // Fenced, broker gone, or an unknown commit outcome: memory may no longer match the
            // log, so forget the partition; the next batch restores it from Kafka.
            runtime.processors.delete(batch.partition);
            runtime.ready.delete(batch.partition);
            await processor.close();
            // Fetched again from the chunk's first command and handed to a processor restored from
            // the log, which skips what the log already has (exactly-once input offset).
            return runtime.failures.retry(
              consumer,
              { topic, partition: batch.partition, offset: chunk[0].offset },
              error,
              'command batch failed; partition will be restored',
              { context },
            );
          }
          resolveOffset(chunk[chunk.length - 1].offset);
          // Not awaited: the next transaction need not wait for the group coordinator.
          void commitOffsetsIfNecessary().catch(() => undefined);
          await heartbeat();
        }
        this.aggregatesGauge.set({ context }, this.countAggregates(runtime));
      },
    });
  }

  private replies?: Promise<Producer>;

  /** One idempotent producer for all replies of this instance (they are not transactional). */
  private replyProducer(): Promise<Producer> {
    if (!this.replies) {
      const producer = this.kafka.producer({ idempotent: false, allowAutoTopicCreation: false, retry: { retries: 3, initialRetryTime: 50 } });
      this.replies = producer.connect().then(() => producer);
      this.replies.catch(() => (this.replies = undefined));
    }
    return this.replies;
  }

  private processorFor(
    runtime: ContextRuntime,
    definition: BoundedContextDefinition<Command, DomainEvent, Versioned>,
    groupId: string,
    partition: number,
    heartbeat: () => Promise<void>,
  ): Promise<PartitionProcessor> {
    let processor = runtime.processors.get(partition);
    if (!processor) {
      processor = (async () => {
        const log = await KafkaPartitionLog.open(this.kafka, {
          namespace: this.config.namespace,
          context: runtime.context,
          partition,
          stateVersion: definition.stateVersion,
          consumerGroupId: groupId,
          logger: this.logger,
          heartbeat,
          observePhase: (phase, seconds) => this.txPhaseSeconds.observe({ context: runtime.context, phase }, seconds),
          replyProducer: await this.replyProducer(),
        });
        const created = new PartitionProcessor(definition, log, {
          idempotencyWindowMs: this.config.idempotencyWindowMs,
          clock: () => new Date().toISOString(),
          onReplyError: (error) => this.logger.event('warn', 'reply not sent; the client will time out and may retry', { error: error.message }),
          onUnexpectedError: (error, command) =>
            this.logger.event('error', 'decider failed unexpectedly', {
              commandId: command.commandId,
              type: command.type,
              data: command.data,
              error: error.stack ?? error.message,
            }),
          eventsTopic: topics.events(this.config.namespace, runtime.context),
          onRebuild: (info) => {
            this.logger.event('warn', 'partition rebuilt from its events (the state topic could not be trusted)', {
              context: runtime.context,
              partition,
              ...info,
            });
            if (info.foreign.count > 0) {
              this.logger.event(
                'error',
                'records that are no event were found in the events topic and skipped: restrict writes to it to the command processor',
                {
                  topic: topics.events(this.config.namespace, runtime.context),
                  partition,
                  ...info.foreign,
                },
              );
            }
          },
        });
        // A restore that fails (Kafka unreachable, a poison event) is tried again with a new log:
        // this one's producer must not stay connected beside it.
        await created.restore().catch(async (error: unknown) => {
          await created.close();
          throw error;
        });
        runtime.ready.set(partition, created);
        return created;
      })();
      runtime.processors.set(partition, processor);
      processor.catch(() => runtime.processors.delete(partition));
    }
    return processor;
  }

  private countAggregates(runtime: ContextRuntime): number {
    let total = 0;
    for (const p of runtime.ready.values()) total += p.aggregateCount;
    return total;
  }
}
