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

/** NOT_COORDINATOR, the error on which kafkajs finds a group's coordinator again and rejoins as the same member. */
function notCoordinator(message: string): Error {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { KafkaJSProtocolError } = require('kafkajs/src/errors') as { KafkaJSProtocolError: new (e: object) => Error };
  return new KafkaJSProtocolError({ type: 'NOT_COORDINATOR_FOR_GROUP', code: 16, retriable: true, message });
}

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
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Broker = require('kafkajs/src/broker') as { prototype: Record<string, unknown> & { __esGroupFailover?: true } };
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
        throw notCoordinator(`group coordinator lost (${message}); finding it again`);
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
  type TimedConnection = {
    host: string;
    port: number;
    isConnected(): boolean;
    rejectRequests(e: Error): void;
    disconnect(): Promise<unknown>;
    /** When this connection last had an answer. */
    __esAnsweredAt?: number;
  };
  const send = Connection.prototype.send as (this: TimedConnection, ...args: unknown[]) => Promise<unknown>;
  Connection.prototype.send = async function (this: TimedConnection, ...args: unknown[]) {
    const sentAt = Date.now();
    try {
      const answer = await send.apply(this, args);
      this.__esAnsweredAt = Date.now();
      // Answered a request sent after it stopped answering: it answers again (a restarted broker, a
      // live one whose produce waited on a paused follower).
      const address = `${this.host}:${this.port}`;
      if ((unreachableSince.get(address) ?? Infinity) < sentAt) unreachableSince.delete(address);
      return answer;
    } catch (error) {
      if ((error as Error).name !== 'KafkaJSRequestTimeoutError') throw error;
      const closed = new KafkaJSConnectionClosedError(`${(error as Error).message}; closed the connection to ${this.host}:${this.port}`, {
        host: this.host,
        port: this.port,
      });
      unreachableSince.set(`${this.host}:${this.port}`, Date.now());
      if (this.isConnected()) {
        this.rejectRequests(closed);
        void this.disconnect().catch(() => undefined);
      }
      throw closed;
    }
  };
  // kafkajs waits for a connection's requests before it closes it, also when it drops a broker that
  // left the metadata (fenced): a commit in flight to the paused broker held the metadata refresh of a
  // group leader's SyncGroup, and with it the whole context, for a request timeout (fault tier (i)).
  // A connection that has had no answer since its broker stopped answering gets none for them either.
  // Only that one: a JoinGroup held by a live coordinator (a restarted single broker waiting for the
  // old member's session) failed with it when this looked at the broker alone, and the consumer
  // crashed and joined as a new member, again and again (fault tier (b): 40-49 s instead of 15-19 s).
  const disconnect = Connection.prototype.disconnect as (this: TimedConnection) => Promise<unknown>;
  Connection.prototype.disconnect = function (this: TimedConnection) {
    const since = unreachableSince.get(`${this.host}:${this.port}`) ?? -Infinity;
    if (Date.now() - since < UNREACHABLE_MEMORY_MS && (this.__esAnsweredAt ?? 0) < since)
      this.rejectRequests(
        new KafkaJSConnectionClosedError(`Closed the connection to ${this.host}:${this.port}, which stopped answering`, { host: this.host, port: this.port }),
      );
    return disconnect.call(this);
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
  const failed = (b: string) => (recentlyUnreachable(b, unreachable, now) ? 1 : 0);
  return [...brokers].sort((a, b) => failed(a) - failed(b));
}

function recentlyUnreachable(address: string, unreachable: ReadonlyMap<string, number> = unreachableSince, now = Date.now()): boolean {
  return now - (unreachable.get(address) ?? -Infinity) < UNREACHABLE_MEMORY_MS;
}
patchKafkajsDisconnectOnRequestTimeout();

/**
 * The same preference for a known client: kafkajs picks the broker it asks for metadata, and for a
 * group's coordinator, at random among those it knows (BrokerPool.findConnectedBroker, withBroker),
 * and a paused broker stays in the metadata until the controller fences it. Each such pick of the
 * paused broker cost a request timeout; and withBroker, which connects outside its own try, gave up
 * the whole FindCoordinator when that connect failed. Same bodies as kafkajs 2.2.4 otherwise.
 */
export function patchKafkajsBrokerChoice(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const BrokerPool = require('kafkajs/src/cluster/brokerPool') as { prototype: Record<string, unknown> & { __esBrokerChoice?: true } };
  const shuffle = require('kafkajs/src/utils/shuffle') as <T>(items: T[]) => T[];
  const { KafkaJSBrokerNotFound } = require('kafkajs/src/errors') as { KafkaJSBrokerNotFound: new (message: string) => Error };
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (BrokerPool.prototype.__esBrokerChoice) return;
  BrokerPool.prototype.__esBrokerChoice = true;
  type PooledBroker = { brokerAddress?: string; isConnected(): boolean };
  type Pool = {
    brokers: Record<string, PooledBroker>;
    seedBroker: PooledBroker;
    findBroker(o: { nodeId: string }): Promise<PooledBroker>;
    connect(): Promise<void>;
  };
  const reachableFirst = (pool: Pool) =>
    shuffle(Object.keys(pool.brokers)).sort(
      (a, b) => Number(recentlyUnreachable(pool.brokers[a].brokerAddress ?? '')) - Number(recentlyUnreachable(pool.brokers[b].brokerAddress ?? '')),
    );
  // (kafkajs asks this broker for metadata and for nothing else.) Among the brokers it may ask, the
  // one asked longest ago: a broker cut off from the controller (a network partition; clients still
  // reach it) answers metadata as it last knew it, itself the leader of partitions that have moved,
  // and a random pick could ask it again and again; in turn, the next refresh asks another broker,
  // whose metadata no longer lists the cut-off one at all (fenced), and it is dropped from the pool.
  BrokerPool.prototype.findConnectedBroker = async function (this: Pool & { __esMetadataAskedAt?: Map<string, number> }) {
    const askedAt = (this.__esMetadataAskedAt ??= new Map<string, number>());
    const unreachable = (nodeId: string) => Number(recentlyUnreachable(this.brokers[nodeId].brokerAddress ?? ''));
    const nodeIds = reachableFirst(this).sort((a, b) => unreachable(a) - unreachable(b) || (askedAt.get(a) ?? 0) - (askedAt.get(b) ?? 0));
    const ask = (nodeId: string) => {
      askedAt.set(nodeId, Date.now());
      return this.findBroker({ nodeId });
    };
    // A connected broker that stopped answering is not taken over one that answers but must be
    // connected to first (a group leader's SyncGroup metadata went to the paused broker, whose only
    // open connection held an abandoned JoinGroup, until it was resumed).
    const connected = nodeIds.find((nodeId) => this.brokers[nodeId].isConnected() && !unreachable(nodeId));
    if (connected) return ask(connected);
    for (const nodeId of nodeIds) {
      try {
        return await ask(nodeId);
      } catch {
        // the next one
      }
    }
    await this.connect();
    return this.seedBroker;
  };
  BrokerPool.prototype.withBroker = async function <T>(this: Pool, callback: (o: { nodeId: string; broker: PooledBroker }) => Promise<T>) {
    const nodeIds = reachableFirst(this);
    if (nodeIds.length === 0) throw new KafkaJSBrokerNotFound('No brokers in the broker pool');
    let lastConnectError: unknown;
    for (const nodeId of nodeIds) {
      let broker: PooledBroker;
      try {
        broker = await this.findBroker({ nodeId });
      } catch (error) {
        lastConnectError = error;
        continue;
      }
      try {
        return await callback({ nodeId, broker });
      } catch {
        // the next one
      }
    }
    if (lastConnectError) throw lastConnectError;
    return null;
  };
  // Metadata that still names a broker this process could not reach is asked for again before it is
  // used, at most once a second: producers and consumers call this before every send and fetch. A
  // refresh right after a request timed out usually comes before the controller has fenced the broker
  // (4-9 s), and kafkajs otherwise keeps that metadata until the next error: each of the command
  // processor's per-partition producers sent its first transaction after the pause to the old leader
  // and lost a request timeout there (fault tier (i): a Produce to the paused broker 14 s after it was
  // fenced). Once fenced, the broker is no longer in the metadata, and this costs nothing.
  const refreshIfNecessary = BrokerPool.prototype.refreshMetadataIfNecessary as (this: MetadataPool, topics: string[]) => Promise<void>;
  BrokerPool.prototype.refreshMetadataIfNecessary = function (this: MetadataPool, topics: string[]) {
    const refreshedAt = (this.metadataExpireAt ?? 0) - (this.metadataMaxAge ?? 0);
    if (Date.now() - refreshedAt > SUSPECT_METADATA_REFRESH_MS && this.metadata?.brokers.some((b) => recentlyUnreachable(`${b.host}:${b.port}`)))
      return this.refreshMetadata(topics);
    return refreshIfNecessary.call(this, topics);
  };
}
patchKafkajsBrokerChoice();

/** How often metadata that names an unreachable broker is asked for again (patchKafkajsBrokerChoice). */
const SUSPECT_METADATA_REFRESH_MS = 1000;

interface MetadataPool {
  metadata?: { brokers: { host: string; port: number }[] } | null;
  metadataExpireAt?: number | null;
  metadataMaxAge?: number;
  refreshMetadata(topics: string[]): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** How long a JoinGroup waits before its coordinator is checked (a join that waits for other members is normal). */
const JOIN_WATCH_AFTER_MS = 3000;
const JOIN_WATCH_EVERY_MS = 2000;

interface CoordinatorAsking {
  findGroupCoordinator(o: { groupId: string; coordinatorType: number }): Promise<{ coordinator: { nodeId: number | string } }>;
}

interface WatchedGroup {
  groupId: string;
  coordinator?: { nodeId?: number | string };
  cluster: { brokerPool: { brokers: Record<string, unknown>; findBroker(o: { nodeId: string }): Promise<CoordinatorAsking> } };
  __esCoordinatorLost?: Error;
}

/**
 * Which broker coordinates the group now, asked of a broker other than `asked`: a broker answers the
 * requests of a connection one at a time, so a question sent to the coordinator itself waits behind the
 * JoinGroup it holds, times out, and closes the connection with the join in it (a restarted single
 * broker holding a join for the old member's session: the consumer crashed every 10 s). Undefined when
 * there is no other broker to ask, or none answered.
 */
async function coordinatorNow(group: WatchedGroup, asked: number | string, coordinatorType: number): Promise<number | string | undefined> {
  const pool = group.cluster.brokerPool;
  for (const nodeId of Object.keys(pool.brokers).filter((id) => id !== String(asked))) {
    try {
      const broker = await pool.findBroker({ nodeId });
      return (await broker.findGroupCoordinator({ groupId: group.groupId, coordinatorType })).coordinator.nodeId;
    } catch {
      // the next one
    }
  }
  return undefined;
}

/**
 * Two ways a consumer stayed with a group coordinator that had stopped answering (a paused broker),
 * measured in fault tier (i):
 *
 * - A heartbeat that failed as "coordinator lost" was forgotten by whoever called it (a partition
 *   restore keeps the group alive with heartbeats whose errors it ignores; the projection runner gives
 *   its batch up), and kafkajs keeps the coordinator until the group rejoins: the next heartbeat went
 *   to the same paused broker and waited another request timeout, the new coordinator expired the
 *   member meanwhile (session 10 s), and it had to join as a new one. Here the loss sticks to the
 *   group: every heartbeat fails at once with it until the group has joined again, so the consumer's
 *   run loop rejoins on its next heartbeat.
 * - kafkajs gives a JoinGroup the group's rebalance timeout plus 5 s (65 s for the command processor)
 *   because a coordinator may legitimately hold it while other members rejoin; sent to a paused
 *   coordinator, it waited for the broker to come back (every command of the context with it). Here a
 *   join that has waited JOIN_WATCH_AFTER_MS asks the cluster, every JOIN_WATCH_EVERY_MS, which broker
 *   coordinates the group now (of another broker: coordinatorNow); once that is another broker, the join fails as NOT_COORDINATOR, and
 *   kafkajs joins again at the new coordinator as the same member. A join held for other members is
 *   left alone: its coordinator has not moved.
 */
export function patchKafkajsGroupCoordinatorWatch(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup') as {
    prototype: Record<string | symbol, unknown> & { __esCoordinatorWatch?: true };
  };
  const { GROUP } = require('kafkajs/src/protocol/coordinatorTypes') as { GROUP: number };
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (ConsumerGroup.prototype.__esCoordinatorWatch) return;
  const joinKey = Object.getOwnPropertySymbols(ConsumerGroup.prototype).find((s) => s.description === 'private:ConsumerGroup:join');
  // A kafkajs upgrade that renames it must fail here, at load, not silently lose the watch.
  if (!joinKey) throw new Error('kafkajs ConsumerGroup has no private join method: patchKafkajsGroupCoordinatorWatch needs updating');
  ConsumerGroup.prototype.__esCoordinatorWatch = true;

  const heartbeat = ConsumerGroup.prototype.heartbeat as (this: WatchedGroup, o: unknown) => Promise<void>;
  ConsumerGroup.prototype.heartbeat = async function (this: WatchedGroup, o: unknown) {
    if (this.__esCoordinatorLost) throw this.__esCoordinatorLost;
    const coordinator = this.coordinator;
    try {
      return await heartbeat.call(this, o);
    } catch (error) {
      // Not when the group has found a coordinator since this heartbeat was sent (a late answer).
      if ((error as { type?: string }).type === 'NOT_COORDINATOR_FOR_GROUP' && this.coordinator === coordinator) this.__esCoordinatorLost = error as Error;
      throw error;
    }
  };

  const join = ConsumerGroup.prototype[joinKey] as (this: WatchedGroup) => Promise<void>;
  ConsumerGroup.prototype[joinKey] = function (this: WatchedGroup) {
    this.__esCoordinatorLost = undefined;
    let settled = false;
    const joining = join.call(this).finally(() => (settled = true));
    const moved = (async () => {
      await sleep(JOIN_WATCH_AFTER_MS);
      while (!settled) {
        const asked = this.coordinator?.nodeId;
        const now = asked === undefined ? undefined : await coordinatorNow(this, asked, GROUP);
        if (!settled && asked !== undefined && now !== undefined && String(now) !== String(asked))
          throw notCoordinator(`group coordinator moved from broker ${asked} to ${now} while the join waited; joining there`);
        await sleep(JOIN_WATCH_EVERY_MS);
      }
      return new Promise<never>(() => undefined);
    })();
    // The abandoned join settles when its connection is closed or times out; nobody waits for it then.
    joining.catch(() => undefined);
    return Promise.race([joining, moved]);
  };
}
patchKafkajsGroupCoordinatorWatch();

/**
 * Heartbeats `heartbeat` every `intervalMs` while `work` runs, for at most `maxMs` (errors are left to
 * the run loop: a lost coordinator sticks, see patchKafkajsGroupCoordinatorWatch).
 */
export async function withKeepAlive<T>(work: () => Promise<T>, heartbeat: () => Promise<unknown>, intervalMs: number, maxMs: number): Promise<T> {
  const started = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - started > maxMs) clearInterval(timer);
    else void heartbeat().catch(() => undefined);
  }, intervalMs);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * kafkajs heartbeats only between batches, and when a batch's handler calls heartbeat(); a batch
 * whose transaction waited on a paused broker (a request timeout, a retry, another timeout) sent none
 * for longer than the session, and the group expelled a member whose coordinator was alive and well
 * (fault tier (i): the command processor's inventory group, 10 s without a heartbeat, rejoined as a
 * new member). The Java client heartbeats from a background thread while the application processes,
 * up to max.poll.interval.ms. Here the run loop does the same while a batch is handled, up to the
 * group's rebalance timeout: a handler stuck longer than that still loses its partitions.
 */
export function patchKafkajsHeartbeatDuringBatches(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Runner = require('kafkajs/src/consumer/runner') as { prototype: Record<string, unknown> & { __esBatchKeepAlive?: true } };
  if (Runner.prototype.__esBatchKeepAlive) return;
  Runner.prototype.__esBatchKeepAlive = true;
  type BatchRunner = { heartbeatInterval: number; consumerGroup: { rebalanceTimeout: number }; heartbeat(): Promise<void> };
  const handleBatch = Runner.prototype.handleBatch as (this: BatchRunner, batch: unknown) => Promise<void>;
  Runner.prototype.handleBatch = function (this: BatchRunner, batch: unknown) {
    return withKeepAlive(
      () => handleBatch.call(this, batch),
      () => this.heartbeat(),
      this.heartbeatInterval,
      this.consumerGroup.rebalanceTimeout,
    );
  };
}
patchKafkajsHeartbeatDuringBatches();

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
