import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { fromErrorPayload, type BoundedContext } from '@es/domain';
import { CommandEnvelope, CommandReply, commandFingerprint, decodeJson, encodeJson } from '@es/event-store';
import { TimeoutError, UnavailableError, type HealthIndicator, type JsonLogger, type Metrics } from '@es/common';
import { CONSUMER_RETRY, SupervisedConsumer } from './supervised-consumer';
import { groups, topics } from './topics';

export interface CommandRequest {
  readonly context: BoundedContext;
  readonly type: string;
  readonly aggregateId: string;
  readonly data: unknown;
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId?: string | null;
  readonly expectedVersion?: number;
}

export type CommandSuccess = Extract<CommandReply, { ok: true }>;

type CommandMessage = { key: string; value: Buffer; headers: Record<string, string> };

export interface CommandTransportOptions {
  readonly namespace: string;
  readonly timeoutMs: number;
  readonly logger?: JsonLogger;
  readonly metrics?: Metrics;
  /**
   * Client for the command producer, built with a short connection retry (createKafka's
   * FAIL_FAST_RETRY): kafkajs reconnects with the client's retry settings, not the producer's, and
   * with the default ones a send to a dead broker outlasts the reply timeout (504 after 10 s
   * instead of a quick 503). Defaults to `kafka`.
   */
  readonly producerKafka?: Kafka;
}

/**
 * The command API's side of the write path: sends a command to its context's command topic (key =
 * aggregate id, so it lands on the partition whose single writer owns the aggregate) and waits for
 * the processor's reply on the replies topic. Domain rejections come back as the DomainError they
 * were raised as; Kafka being unreachable is UnavailableError (503), no reply in time TimeoutError
 * (504 — the command may still apply, a retry with the same command id is safe).
 */
export class KafkaCommandTransport {
  readonly instanceId = randomUUID();
  /** The connected producer, or its connect in progress; dropped after a failed send or connect (see retireProducer). */
  private producer?: Promise<Producer>;
  private readonly replies: SupervisedConsumer;
  /**
   * Waiting HTTP requests by request id — not by command id: concurrent requests with one
   * Idempotency-Key share a command id, and each must get the processor's answer to its own body.
   */
  private readonly pending = new Map<string, { commandId: string; resolve: (r: CommandReply) => void; timer: NodeJS.Timeout }>();
  private queue: { topic: string; message: CommandMessage; done: (e?: Error) => void }[] = [];
  private flushing = false;
  private started = false;
  private replyGroupLives = 0;

  /** Commands are only accepted while replies can be received: otherwise every client would wait for a 504. */
  private get ready(): boolean {
    return this.started && this.replies.isConsuming();
  }

  constructor(
    private readonly kafka: Kafka,
    private readonly options: CommandTransportOptions,
  ) {
    this.replies = new SupervisedConsumer({
      name: 'command-api.replies',
      kafka,
      logger: options.logger,
      metrics: options.metrics,
      // A private group per consumer life: every partition is this member's, nothing is committed
      // (replies are read from the latest offset), so nothing is lost by starting a new group after a
      // crash, and the new member never waits for the crashed one's session to expire (10 s of 503s
      // for every command, measured in the 3-broker fault tier). kafkajs must not restart it in the
      // old group itself: SupervisedConsumer re-creates it.
      config: () => ({
        groupId: groups.commandApiReplies(options.namespace, `${this.instanceId}.${++this.replyGroupLives}`),
        readUncommitted: false,
        // LONG_POLL: a reply is delivered as soon as it is appended, and an idle API fetches once a second.
        sessionTimeout: 10000,
        // kafkajs' default, under a third of the session timeout (idle cost: see the command processor).
        heartbeatInterval: 3000,
        retry: { ...CONSUMER_RETRY, restartOnFailure: async () => false },
      }),
      start: async (consumer) => {
        await consumer.subscribe({ topic: topics.replies(this.options.namespace), fromBeginning: false });
        await consumer.run({
          // Committed (at most once a second, and only after progress) so that a rejoin resumes where
          // this member was. A rejoin happens whenever the group's coordinator moves (a broker
          // restart): with nothing committed, kafkajs starts the rejoined member at the latest offset,
          // and every reply appended meanwhile was skipped — fault tier (m): 5–31 commands per rolling
          // restart answered 504 although they had applied within a second or two. A reply read twice
          // is harmless (its waiter is gone).
          autoCommit: true,
          autoCommitInterval: 1000,
          partitionsConsumedConcurrently: 4,
          eachMessage: async ({ message }) => {
            if (message.headers?.['reply-to']?.toString() !== this.instanceId) return;
            const reply = decodeJson<CommandReply>(message.value);
            if (!reply) return;
            this.settle(reply);
          },
        });
      },
    });
  }

  /** `consumer:command-api.replies` for /health: down while the reply consumer restarts after a crash. */
  replyConsumerHealth(): HealthIndicator {
    return this.replies.health();
  }

  isReady(): boolean {
    return this.ready;
  }

  async start(): Promise<void> {
    await this.connectedProducer();
    await this.replies.start();
    // run() returns once the group is joined, or after a failed join that the supervisor retries:
    // boot waits for the first join either way, so the API never starts without its replies.
    while (!this.replies.isConsuming()) await new Promise((resolve) => setTimeout(resolve, 50));
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const [id, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      this.pending.delete(id);
    }
    await this.replies.stop();
    await this.retireProducer();
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = (this.options.producerKafka ?? this.kafka).producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Fail fast when the broker is gone: the client gets a 503 with Retry-After, not a hang.
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      this.producer = producer.connect().then(() => producer);
    }
    return this.producer;
  }

  /**
   * Called after any failed send. kafkajs keeps the sequence numbers of a batch it gave up on, and
   * the broker may have appended that batch all the same (its answer lost with a leader that died —
   * fault tier (a)). The next batch then reuses those numbers: the broker takes one of the same size
   * for a duplicate (answered as written, never appended: the command silently vanishes) and refuses
   * any other size with OUT_OF_ORDER_SEQUENCE_NUMBER, for as long as the producer lives. A new
   * producer gets a new producer id — what the Java client does when a batch's fate is unknown.
   */
  private async retireProducer(): Promise<void> {
    const retired = this.producer;
    this.producer = undefined;
    await retired?.then((p) => p.disconnect()).catch(() => undefined);
  }

  private settle(reply: CommandReply): void {
    // A processor older than request ids answers by command id only: every waiter of that id.
    const ids = reply.requestId !== undefined ? [reply.requestId] : [...this.pending].filter(([, w]) => w.commandId === reply.commandId).map(([id]) => id);
    for (const id of ids) {
      const waiter = this.pending.get(id);
      if (!waiter) continue;
      this.pending.delete(id);
      clearTimeout(waiter.timer);
      waiter.resolve(reply);
    }
  }

  /** Sends the command and resolves with the processor's successful outcome, or throws. */
  async send(request: CommandRequest): Promise<CommandSuccess> {
    if (!this.ready) throw new UnavailableError('the command API is not connected to Kafka yet', 2);
    const requestId = randomUUID();
    const envelope: CommandEnvelope = {
      commandId: request.commandId,
      type: request.type,
      context: request.context,
      aggregateId: request.aggregateId,
      data: request.data,
      correlationId: request.correlationId,
      causationId: request.causationId ?? null,
      ...(request.expectedVersion !== undefined ? { expectedVersion: request.expectedVersion } : {}),
      fingerprint: commandFingerprint(request.type, request.aggregateId, request.data, request.expectedVersion),
      replyTo: this.instanceId,
      requestId,
      sentAt: new Date().toISOString(),
    };
    const message: CommandMessage = {
      key: request.aggregateId,
      value: encodeJson(envelope),
      headers: { type: request.type, 'command-id': request.commandId, 'reply-to': this.instanceId, 'request-id': requestId },
    };
    const reply = new Promise<CommandReply | 'never-sent'>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        // Still waiting behind a produce that hangs (a broker that stopped answering without closing
        // its connections): take it out, so the answer can be a definite "not sent".
        const queued = this.queue.findIndex((q) => q.message === message);
        if (queued >= 0) {
          this.queue.splice(queued, 1);
          return resolve('never-sent');
        }
        resolve({
          commandId: request.commandId,
          ok: false,
          error: {
            code: 'TIMEOUT',
            message: `no outcome within ${this.options.timeoutMs} ms; the command may still apply — retrying with the same Idempotency-Key is safe`,
            details: {},
          },
        });
      }, this.options.timeoutMs);
      this.pending.set(requestId, { commandId: request.commandId, timer, resolve });
    });
    // The reply timeout bounds the whole request, the send included: a produce to a broker that hangs
    // (paused, or cut off without a reset) only fails after the request timeout and its retries —
    // 30 s and more — and the client was promised an answer after timeoutMs.
    const sending = this.enqueue(topics.commands(this.options.namespace, request.context), message).then(
      () => undefined,
      (error: Error) => error,
    );
    const sendError = await Promise.race([sending, reply.then(() => undefined)]);
    if (sendError) {
      const waiter = this.pending.get(requestId);
      if (waiter) clearTimeout(waiter.timer);
      this.pending.delete(requestId);
      this.options.logger?.event('warn', 'command not sent: Kafka unreachable', { error: sendError.message });
      // The produce may have reached the broker before it failed (an answer lost with a dying
      // leader): not "not accepted" — the command may still apply, like a 504.
      throw new UnavailableError('Kafka did not confirm the command; it may still apply — retrying with the same Idempotency-Key is safe', 5);
    }
    const outcome = await reply;
    if (outcome === 'never-sent') {
      this.options.logger?.event('warn', 'command not sent: the broker did not take it in time', { timeoutMs: this.options.timeoutMs });
      throw new UnavailableError(`Kafka did not take the command within ${this.options.timeoutMs} ms; it was not sent`, 2);
    }
    if (outcome.ok) return outcome;
    if (outcome.error.code === 'TIMEOUT') throw new TimeoutError(outcome.error.message, { commandId: request.commandId });
    // Not a domain error: the problem filter answers 500 and logs it.
    if (outcome.error.code === 'INTERNAL') throw new Error(outcome.error.message);
    throw fromErrorPayload(outcome.error);
  }

  /**
   * Group send: requests that arrive while a produce is in flight go out together in the next one,
   * so throughput does not cost one broker round trip per HTTP request.
   */
  private enqueue(topic: string, message: CommandMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, message, done: (e) => (e ? reject(e) : resolve()) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        const byTopic = new Map<string, typeof batch>();
        for (const item of batch) {
          const list = byTopic.get(item.topic);
          if (list) list.push(item);
          else byTopic.set(item.topic, [item]);
        }
        try {
          const producer = await this.connectedProducer();
          await producer.sendBatch({
            acks: -1,
            topicMessages: [...byTopic].map(([topic, items]) => ({ topic, messages: items.map((i) => i.message) })),
          });
          batch.forEach((i) => i.done());
        } catch (error) {
          // Not awaited: the waiting requests get their answer now, not after the disconnect.
          void this.retireProducer();
          batch.forEach((i) => i.done(error as Error));
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
