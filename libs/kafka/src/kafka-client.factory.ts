import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { ISocketFactory, Kafka, KafkaConfig, LogEntry, logLevel, RetryOptions, SASLOptions } from 'kafkajs';
import type { JsonLogger, KafkaSettings } from '@es/common';

type Level = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_NAMES: Record<number, Level> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// The messages of the protocol errors kafkajs retries on its own. CONCURRENT_TRANSACTIONS is marked
// non-retriable in the protocol table, yet kafkajs retries it (eosManager, sendMessages): under load
// a transactional producer meets it on most AddPartitionsToTxn right after a commit.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: { type: string; message: string; retriable: boolean }[] };
const RETRIED_ERRORS = errorCodes.filter((e) => e.retriable || e.type === 'CONCURRENT_TRANSACTIONS').map((e) => e.message);

/** kafkajs' own interval for re-checking a queue that waits on in-flight limits. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/**
 * kafkajs 2.2.4 bug (tulios/kafkajs#1556, #1604, #1704; fix proposed in PR #1667, unreleased):
 * RequestQueue.scheduleCheckPendingRequests re-arms a setTimeout with a negative delay whenever
 * nothing is pending, so every broker connection runs an endless ~1 ms timer loop. Measured here:
 * ~800 event-loop wake-ups a second in every app at rest, 2-3 % of a core per process. A check is
 * only needed while requests wait in the queue: push() enqueues and schedules one, a fulfilled or
 * timed-out request checks the queue itself. Same body otherwise (throttling keeps its delay).
 */
export function patchKafkajsRequestQueue(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RequestQueue = require('kafkajs/src/network/requestQueue') as {
    prototype: { scheduleCheckPendingRequests(): void; __esIdleFix?: true };
  };
  if (RequestQueue.prototype.__esIdleFix) return;
  RequestQueue.prototype.__esIdleFix = true;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: {
    throttledUntil: number;
    throttleCheckTimeoutId: NodeJS.Timeout | null;
    pending: unknown[];
    checkPendingRequests(): void;
  }) {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    );
  };
}
patchKafkajsRequestQueue();

/** How long a transaction coordinator found by FindCoordinator is used without asking again. */
const TRANSACTION_COORDINATOR_TTL_MS = 30000;
/**
 * Errors after which a cached coordinator is asked for again: NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE
 * and COORDINATOR_LOAD_IN_PROGRESS, under the names kafkajs 2.2.4 gives them (its table predates the
 * rename; with Kafka's names this set used to match nothing, and a moved transaction coordinator
 * stayed cached until its connection broke or 30 s passed).
 */
const COORDINATOR_ERRORS = new Set(['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'GROUP_LOAD_IN_PROGRESS']);
const CONNECTION_ERRORS = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError']);

interface CoordinatorBroker {
  isConnected(): boolean;
}

/**
 * kafkajs 2.2.4 asks the cluster for the transaction coordinator (a FindCoordinator request) before
 * every AddPartitionsToTxn, AddOffsetsToTxn and EndTxn: three extra round trips in each of our
 * transactions (events, state, commit), measured with kafkajs' REQUEST events — 902 FindCoordinator
 * requests for 300 transactions. The Java client keeps the coordinator until a request to it fails.
 * This does the same for transaction coordinators (consumer groups are unaffected: kafkajs keeps
 * theirs): the broker found is reused per client and transactional id for up to 30 s, and forgotten as
 * soon as a transactional request to it fails with a coordinator or connection error — so a moved
 * coordinator costs one failed request, which kafkajs retries (AddPartitionsToTxn) or our commit path
 * treats as a failed transaction (abort, restore), exactly as before. A broker that is not the
 * coordinator refuses such requests (NOT_COORDINATOR), so a stale entry can never be acted on.
 */
export function patchKafkajsTransactionCoordinatorCache(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Cluster = require('kafkajs/src/cluster') as { prototype: Record<string, unknown> & { __esCoordinatorCache?: true } };
  const Broker = require('kafkajs/src/broker') as { prototype: Record<string, (...args: unknown[]) => Promise<unknown>> };
  const { TRANSACTION } = require('kafkajs/src/protocol/coordinatorTypes') as { TRANSACTION: number };
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (Cluster.prototype.__esCoordinatorCache) return;
  Cluster.prototype.__esCoordinatorCache = true;
  const caches = new WeakMap<object, Map<string, { broker: CoordinatorBroker; at: number }>>();
  /** Brokers a transactional request failed on since they were last found: not reused from the cache. */
  const failed = new WeakSet<CoordinatorBroker>();
  const find = Cluster.prototype.findGroupCoordinator as (this: object, args: { groupId: string; coordinatorType?: number }) => Promise<CoordinatorBroker>;
  Cluster.prototype.findGroupCoordinator = async function (this: object, args: { groupId: string; coordinatorType?: number }) {
    if (args.coordinatorType !== TRANSACTION) return find.call(this, args);
    let cache = caches.get(this);
    if (!cache) caches.set(this, (cache = new Map()));
    const hit = cache.get(args.groupId);
    if (hit && Date.now() - hit.at < TRANSACTION_COORDINATOR_TTL_MS && hit.broker.isConnected() && !failed.has(hit.broker)) return hit.broker;
    const broker = await find.call(this, args);
    failed.delete(broker);
    cache.set(args.groupId, { broker, at: Date.now() });
    return broker;
  };
  for (const method of ['addPartitionsToTxn', 'addOffsetsToTxn', 'endTxn']) {
    const call = Broker.prototype[method];
    Broker.prototype[method] = async function (this: CoordinatorBroker, ...args: unknown[]) {
      try {
        return await call.apply(this, args);
      } catch (error) {
        const { type, name } = error as { type?: string; name?: string };
        if ((type && COORDINATOR_ERRORS.has(type)) || (name && CONNECTION_ERRORS.has(name))) failed.add(this);
        throw error;
      }
    };
  }
}
patchKafkajsTransactionCoordinatorCache();

/**
 * kafkajs 2.2.4 finds a consumer group's coordinator when it joins and then sends every heartbeat to
 * that broker. When the broker dies, each heartbeat fails with a connection error until the
 * consumer's retries run out; and a join that meets a coordinator still loading the group
 * (GROUP_LOAD_IN_PROGRESS, right after it moved) is not retried at all. Either way the consumer
 * crashes, and kafkajs (or SupervisedConsumer) starts a NEW member, whose join the coordinator holds
 * until the crashed member's session expires (10 s for the processor). Measured in the 3-broker fault
 * tier: a processor context back 16 s after such a crash, every command of that context waiting.
 *
 * Here a heartbeat, join or sync that cannot reach the coordinator, or that the coordinator refuses
 * because it is loading or not available, fails as NOT_COORDINATOR does — the answer of a live broker
 * that lost the group — which kafkajs already handles by finding the coordinator again and rejoining
 * with the SAME member id (with back-off, CONSUMER_RETRY: ~16 s). The new coordinator knows that
 * member (it loads the group with its members), so the rejoin is immediate once the controller has
 * moved the coordinator (broker.session.timeout.ms).
 */
export function patchKafkajsGroupCoordinatorFailover(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Broker = require('kafkajs/src/broker') as { prototype: Record<string, unknown> & { __esGroupFailover?: true } };
  const { KafkaJSProtocolError } = require('kafkajs/src/errors') as { KafkaJSProtocolError: new (e: object) => Error };
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (Broker.prototype.__esGroupFailover) return;
  Broker.prototype.__esGroupFailover = true;
  for (const method of ['heartbeat', 'joinGroup', 'syncGroup']) {
    const call = Broker.prototype[method] as (this: unknown, ...args: unknown[]) => Promise<unknown>;
    Broker.prototype[method] = async function (this: unknown, ...args: unknown[]) {
      try {
        return await call.apply(this, args);
      } catch (error) {
        const { type, name, message } = error as { type?: string; name?: string; message?: string };
        // NOT_COORDINATOR itself goes through as it came; the others become it.
        const lost = (name !== undefined && CONNECTION_ERRORS.has(name)) || type === 'GROUP_LOAD_IN_PROGRESS' || type === 'GROUP_COORDINATOR_NOT_AVAILABLE';
        if (!lost) throw error;
        throw new KafkaJSProtocolError({
          type: 'NOT_COORDINATOR_FOR_GROUP',
          code: 16,
          retriable: true,
          message: `group coordinator lost (${message}); finding it again`,
        });
      }
    };
  }
}
patchKafkajsGroupCoordinatorFailover();

/**
 * How long an HTTP answer or a scrape waits for the broker (end offsets, group members) before it
 * says "unknown": kafkajs gives up only after KAFKA_REQUEST_TIMEOUT_MS and its retries, and a broker
 * that stops answering without closing its connections held GET /projections and /metrics for as
 * long as it was paused.
 */
export const BROKER_ANSWER_WAIT_MS = 2000;

/** host:port of brokers this process failed to connect to, and when (cleared by a successful connect). */
const unreachableSince = new Map<string, number>();
const UNREACHABLE_MEMORY_MS = 60000;

/**
 * A broker that stops answering without closing its connections (paused by a long GC or VM
 * freeze, a stuck disk, a network cut without resets) fails no request: kafkajs 2.2.4 waits for the
 * request timeout, then retries on the same connection to the same broker, because a timeout is
 * not among the errors after which it refreshes metadata. Measured in a 3-broker cluster (fault
 * tier, scenario i): one of three brokers paused for 147 s stopped every command for 147 s, long
 * after the controller had fenced it and moved its leaderships (4 s), and every /health stayed 200.
 *
 * The Java client closes a connection whose request timed out and asks for metadata again
 * (NetworkClient: "Disconnecting from node … due to request timeout"). This does the same: the
 * connection's other requests fail with it, and the timed-out request fails as a closed connection,
 * on which kafkajs already drops the broker, refreshes metadata from another one and retries
 * (producers), or re-fetches (consumers). Fetch and JoinGroup carry their own longer timeouts
 * (kafkajs adds their wait to the request timeout), so a long poll never counts as a hang.
 *
 * A connect that times out in its handshake (ApiVersions: the paused broker still accepts TCP
 * connections) fails as a connection error: kafkajs moves on to the next seed broker only for an
 * error of exactly that name, and a new client (the admin of a partition restore) otherwise retried
 * the paused seed broker until it was resumed (fault tier (i) in CI: two orders partitions served
 * again only when the broker came back, 30.7 s).
 */
export function patchKafkajsDisconnectOnRequestTimeout(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Connection = require('kafkajs/src/network/connection') as { prototype: Record<string, unknown> & { __esTimeoutDisconnect?: true } };
  const Broker = require('kafkajs/src/broker') as { prototype: Record<string, unknown> };
  const { KafkaJSConnectionClosedError, KafkaJSConnectionError } = require('kafkajs/src/errors') as {
    KafkaJSConnectionClosedError: new (message: string, o: { host: string; port: number }) => Error;
    KafkaJSConnectionError: new (message: string, o: { broker: string }) => Error;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (Connection.prototype.__esTimeoutDisconnect) return;
  Connection.prototype.__esTimeoutDisconnect = true;
  type TimedConnection = { host: string; port: number; isConnected(): boolean; rejectRequests(e: Error): void; disconnect(): Promise<unknown> };
  const send = Connection.prototype.send as (this: TimedConnection, ...args: unknown[]) => Promise<unknown>;
  Connection.prototype.send = async function (this: TimedConnection, ...args: unknown[]) {
    try {
      return await send.apply(this, args);
    } catch (error) {
      if ((error as Error).name !== 'KafkaJSRequestTimeoutError') throw error;
      const closed = new KafkaJSConnectionClosedError(`${(error as Error).message}; closed the connection to ${this.host}:${this.port}`, {
        host: this.host,
        port: this.port,
      });
      if (this.isConnected()) {
        this.rejectRequests(closed);
        void this.disconnect().catch(() => undefined);
      }
      throw closed;
    }
  };
  const connect = Broker.prototype.connect as (this: { brokerAddress?: string }) => Promise<void>;
  Broker.prototype.connect = async function (this: { brokerAddress?: string }) {
    try {
      await connect.call(this);
      if (this.brokerAddress) unreachableSince.delete(this.brokerAddress);
    } catch (error) {
      const name = (error as Error).name;
      if (this.brokerAddress && (name === 'KafkaJSConnectionError' || name === 'KafkaJSConnectionClosedError'))
        unreachableSince.set(this.brokerAddress, Date.now());
      if (name !== 'KafkaJSConnectionClosedError') throw error;
      throw new KafkaJSConnectionError(`Connection error: ${(error as Error).message}`, { broker: this.brokerAddress ?? '' });
    }
  };
}

/**
 * The seed brokers in the order a new client should try them: those this process could not connect
 * to in the last minute last. kafkajs starts every new client (a restore's admin or reader, a
 * restarted consumer) on the first seed and moves on only after that one failed, so with the first
 * broker paused each of them lost a request timeout (measured: a partition restore 5.2 s instead of
 * 0.2 s).
 */
export function seedOrder(brokers: readonly string[], unreachable: ReadonlyMap<string, number> = unreachableSince, now = Date.now()): string[] {
  const failed = (b: string) => (now - (unreachable.get(b) ?? -Infinity) < UNREACHABLE_MEMORY_MS ? 1 : 0);
  return [...brokers].sort((a, b) => failed(a) - failed(b));
}
patchKafkajsDisconnectOnRequestTimeout();

// Warnings that describe a choice we made, not a problem: we bound the idempotent producer's
// retries on purpose (the command processor fences and rehydrates instead), and we use the
// default partitioner (keys decide partitions, docs/events.md).
const EXPECTED_WARNINGS = [
  /^Limiting retries for the idempotent producer/,
  /^KafkaJS v2\.0\.0 switched default partitioner/,
  /^The group is rebalancing, re-joining/,
];

// A consumer's run loop died: the group stops consuming until kafkajs restarts it (or never).
const CONSUMER_FAILURES = [/^Crash: /, /^Error when calling each(Batch|Message)/];

// Repeated connection failures while a broker is down would otherwise print one line per retry
// and per client (hundreds a second across six apps); one line per message per window is enough.
const REPEAT_WINDOW_MS = 10000;

// Fields kafkajs adds to every entry or that can be large (payloads): not worth a log line.
// correlationId is kafkajs' protocol request id: it would overwrite our request correlation id.
const DROPPED_FIELDS = new Set(['message', 'timestamp', 'logger', 'level', 'payload', 'data', 'correlationId']);

export interface KafkaLogLine {
  readonly level: Level;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

/**
 * What a kafkajs log entry means for an operator: its expected, retried noise at debug, a consumer
 * crash at error, other errors at warn (kafkajs logs each retried connection at ERROR; our own code
 * reports the failures that matter), and always the cause (`error`, `stack`) kafkajs put next to it.
 */
export function mapKafkaLogEntry(entry: LogEntry): KafkaLogLine {
  const { message } = entry.log;
  const fields: Record<string, unknown> = { namespace: entry.namespace };
  for (const [key, value] of Object.entries(entry.log)) if (!DROPPED_FIELDS.has(key) && value !== undefined) fields[key] = value;
  const cause = typeof fields.error === 'string' ? fields.error : '';
  const text = `${message} ${cause}`;
  let level = LEVEL_NAMES[entry.level] ?? 'info';
  if (EXPECTED_WARNINGS.some((pattern) => pattern.test(message)) || RETRIED_ERRORS.some((retried) => text.includes(retried))) level = 'debug';
  else if (CONSUMER_FAILURES.some((pattern) => pattern.test(message))) level = 'error';
  else if (level === 'error') level = 'warn';
  return { level, msg: `kafkajs: ${message}`, fields };
}

/**
 * kafkajs' own socket factory (same TLS and keep-alive handling) with Nagle's algorithm off. kafkajs
 * writes each request with one socket.write but pipelines requests on a connection (a heartbeat
 * behind a long-poll fetch, several produce requests in flight): with Nagle on, a small request
 * written while an earlier one is unacknowledged waits for the broker's (possibly delayed) ACK.
 * The Java client and the broker both set TCP_NODELAY.
 */
export const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? tls.connect({ host, port, ...(!net.isIP(host) ? { servername: host } : {}), ...ssl }, onConnect)
    : net.connect({ host, port }, onConnect);
  socket.setKeepAlive(true, 60000);
  socket.setNoDelay(true);
  return socket;
};

/** The default connection retry: rides out a broker restart of several seconds. */
export const DEFAULT_CLIENT_RETRY: RetryOptions = { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 };

/**
 * For a client whose caller is waiting (an HTTP request): a dead broker is reported in about a
 * second instead of after ~30 s of reconnect attempts.
 */
export const FAIL_FAST_RETRY: RetryOptions = { initialRetryTime: 100, retries: 2, maxRetryTime: 400 };

/** Builds the kafkajs client from validated settings, with TLS/SASL for real clusters. */
export function createKafka(settings: KafkaSettings, logger?: JsonLogger, clientIdSuffix?: string, retry: RetryOptions = DEFAULT_CLIENT_RETRY): Kafka {
  const lastSeen = new Map<string, { at: number; suppressed: number }>();
  const config: KafkaConfig = {
    clientId: clientIdSuffix ? `${settings.clientId}-${clientIdSuffix}` : settings.clientId,
    // Asked again for every seed connection: brokers that just failed to connect go last (seedOrder).
    brokers: () => seedOrder(settings.brokers),
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    retry,
    socketFactory: noDelaySocketFactory,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      if (!logger) return;
      const { level, msg, fields } = mapKafkaLogEntry(entry);
      if (level === 'warn') {
        const now = Date.now();
        const seen = lastSeen.get(msg);
        if (seen && now - seen.at < REPEAT_WINDOW_MS) {
          seen.suppressed++;
          return;
        }
        if (seen?.suppressed) fields.repeatedSinceLastLine = seen.suppressed;
        lastSeen.set(msg, { at: now, suppressed: 0 });
        if (lastSeen.size > 1000) lastSeen.clear();
      }
      logger.event(level, msg, fields);
    },
  };
  if (settings.ssl) {
    config.ssl = settings.sslCaFile
      ? { ca: [readFileSync(settings.sslCaFile, 'utf8')], rejectUnauthorized: settings.sslRejectUnauthorized }
      : { rejectUnauthorized: settings.sslRejectUnauthorized };
  }
  if (settings.sasl) {
    config.sasl = {
      mechanism: settings.sasl.mechanism,
      username: settings.sasl.username,
      password: settings.sasl.password,
    } as SASLOptions;
  }
  return new Kafka(config);
}
