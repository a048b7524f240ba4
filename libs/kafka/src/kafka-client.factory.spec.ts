import net from 'node:net';
import { JsonLogger, KafkaSettings } from '@es/common';
import { createKafka, seedOrder, withKeepAlive } from './kafka-client.factory';

const settings: KafkaSettings = {
  brokers: ['127.0.0.1:1'],
  clientId: 'log-test',
  ssl: false,
  sslRejectUnauthorized: true,
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 1000,
};

/** Every line the app logger receives from kafkajs, at every level. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = new JsonLogger('test', 'debug', (line) => lines.push(JSON.parse(line)));
  return { lines, kafka: createKafka(settings, logger) };
}

const CONCURRENT_TRANSACTIONS = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

describe('kafkajs log mapping', () => {
  it('logs the expected retries and deliberate choices at debug', () => {
    const { lines, kafka } = capture();
    kafka.producer({ idempotent: true, transactionalId: 'tx', maxInFlightRequests: 1, retry: { retries: 3 } });
    kafka.logger().namespace('Connection').error('Response AddPartitionsToTxn(key: 24, version: 1)', { error: CONCURRENT_TRANSACTIONS, correlationId: 7 });
    kafka.logger().namespace('Producer').error(`Failed to send messages: ${CONCURRENT_TRANSACTIONS}`, { retryCount: 0, retryTime: 100 });
    kafka.logger().namespace('Connection').error('Response GroupCoordinator(key: 10, version: 2)', { error: 'The group coordinator is not available' });
    // kafkajs also warns once per process about its default partitioner (a deliberate choice too).
    expect(lines.filter((l) => String(l.msg).includes('default partitioner')).map((l) => l.level)).not.toContain('warn');
    expect(lines.filter((l) => !String(l.msg).includes('default partitioner')).map((l) => [l.level, l.msg])).toEqual([
      ['debug', 'kafkajs: Limiting retries for the idempotent producer may invalidate EoS guarantees'],
      ['debug', 'kafkajs: Response AddPartitionsToTxn(key: 24, version: 1)'],
      ['debug', `kafkajs: Failed to send messages: ${CONCURRENT_TRANSACTIONS}`],
      ['debug', 'kafkajs: Response GroupCoordinator(key: 10, version: 2)'],
    ]);
    expect(lines.find((l) => String(l.msg).includes('AddPartitionsToTxn'))).toMatchObject({ error: CONCURRENT_TRANSACTIONS, namespace: 'Connection' });
  });

  it('keeps the cause of an unexpected error and logs a consumer crash at error', () => {
    const { lines, kafka } = capture();
    kafka.logger().namespace('Connection').error('Response Produce(key: 0, version: 7)', {
      error: 'The request included a message larger than the max message size the server will accept',
      broker: 'b:9092',
    });
    kafka
      .logger()
      .namespace('Consumer')
      .error('Crash: KafkaJSNonRetriableError: boom', { groupId: 'g1', retryCount: 0, stack: 'KafkaJSNonRetriableError: boom\n    at run (runner.js:1:1)' });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'kafkajs: Response Produce(key: 0, version: 7)',
        error: 'The request included a message larger than the max message size the server will accept',
        broker: 'b:9092',
      }),
      expect.objectContaining({
        level: 'error',
        msg: 'kafkajs: Crash: KafkaJSNonRetriableError: boom',
        groupId: 'g1',
        stack: expect.stringContaining('runner.js'),
      }),
    ]);
  });

  it('prints a repeated connection failure once per window, not once per retry', () => {
    const { lines, kafka } = capture();
    for (let i = 0; i < 20; i++) kafka.logger().namespace('Connection').error('Connection error: connect ECONNREFUSED 127.0.0.1:1', { broker: '127.0.0.1:1' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'kafkajs: Connection error: connect ECONNREFUSED 127.0.0.1:1' });
  });
});

describe('kafkajs request queue at rest (patchKafkajsRequestQueue)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RequestQueue = require('kafkajs/src/network/requestQueue');
  const queue = () =>
    new RequestQueue({
      maxInFlightRequests: 1,
      requestTimeout: 1000,
      enforceRequestTimeout: false,
      clientId: 't',
      broker: 'b',
      logger: { debug: () => undefined },
      isConnected: () => true,
    });

  it('arms no timer when nothing waits (kafkajs 2.2.4 re-armed a ~1 ms timer forever)', () => {
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('still re-checks a queue that has requests waiting', async () => {
    const q = queue();
    const checked = jest.spyOn(q, 'checkPendingRequests');
    q.pending.push({});
    q.inflight.set(1, {});
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    await new Promise((r) => setTimeout(r, 30));
    expect(checked).toHaveBeenCalled();
    q.pending.length = 0;
    q.destroy();
  });
});

describe('group coordinator failover (patchKafkajsGroupCoordinatorFailover)', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Broker = require('kafkajs/src/broker');
  const { KafkaJSConnectionError, KafkaJSProtocolError, isRebalancing } = require('kafkajs/src/errors');
  /* eslint-enable @typescript-eslint/no-require-imports */
  /** A group request of the (patched) kafkajs Broker that fails with `error` before anything is sent. */
  const request = (method: 'heartbeat' | 'joinGroup' | 'syncGroup', error: Error) =>
    (Broker.prototype[method] as (args: object) => Promise<unknown>)
      .call(
        {
          lookupRequest: () => {
            throw error;
          },
        },
        { groupId: 'g', memberId: 'member-1' },
      )
      .catch((e: unknown) => e);
  const protocolError = (type: string, code: number) => new KafkaJSProtocolError({ type, code, retriable: true, message: type });

  it('turns a coordinator that cannot be reached, is loading or is not available into NOT_COORDINATOR: kafkajs then rejoins as the same member', async () => {
    const lost = [
      await request('heartbeat', new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092')),
      await request('joinGroup', protocolError('GROUP_LOAD_IN_PROGRESS', 14)),
      await request('syncGroup', protocolError('GROUP_COORDINATOR_NOT_AVAILABLE', 15)),
    ];
    for (const error of lost) {
      expect(error).toMatchObject({ type: 'NOT_COORDINATOR_FOR_GROUP', retriable: true });
      expect(isRebalancing(error)).toBe(true);
    }
  });

  it('leaves every other error of a group request as it was', async () => {
    const unknownMember = new KafkaJSProtocolError({ type: 'UNKNOWN_MEMBER_ID', code: 25, retriable: false, message: 'unknown member' });
    expect(await request('heartbeat', unknownMember)).toBe(unknownMember);
    const notCoordinator = protocolError('NOT_COORDINATOR_FOR_GROUP', 16);
    expect(await request('joinGroup', notCoordinator)).toBe(notCoordinator);
  });
});

describe('a broker that stops answering (patchKafkajsDisconnectOnRequestTimeout)', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Connection = require('kafkajs/src/network/connection');
  const { createLogger, LEVELS } = require('kafkajs/src/loggers');
  const socketFactory = require('kafkajs/src/network/socketFactory')();
  const apiVersions = require('kafkajs/src/protocol/requests/apiVersions').protocol({ version: 0 });
  /* eslint-enable @typescript-eslint/no-require-imports */

  it('fails a timed-out request as a closed connection, fails the connection’s other requests with it, and disconnects', async () => {
    // Accepts connections and never answers: what a SIGSTOPped broker looks like from a client.
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    let connection: { connect(): Promise<void>; send(r: object): Promise<unknown>; isConnected(): boolean; disconnect(): Promise<void> } | undefined;
    try {
      connection = new Connection({
        host: '127.0.0.1',
        port,
        logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => undefined }),
        socketFactory,
        requestTimeout: 300,
        connectionTimeout: 1000,
      });
      await connection!.connect();
      const started = Date.now();
      const [first, second] = (await Promise.all([
        connection!.send({ ...apiVersions(), requestTimeout: 300 }).catch((e: Error) => e),
        connection!.send({ ...apiVersions(), requestTimeout: 60000 }).catch((e: Error) => e),
      ])) as [Error, Error];
      expect(first).toMatchObject({ name: 'KafkaJSConnectionClosedError', host: '127.0.0.1', port });
      expect(first.message).toMatch(/timed out; closed the connection/);
      // The other request waited on the same dead connection: it fails now, not after its own 60 s.
      expect(second).toMatchObject({ name: 'KafkaJSConnectionClosedError' });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(connection!.isConnected()).toBe(false);
    } finally {
      await connection?.disconnect();
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('fails a connect whose handshake timed out as a connection error, so that kafkajs tries the next seed broker', async () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const Broker = require('kafkajs/src/broker');
    const { KafkaJSConnectionClosedError } = require('kafkajs/src/errors');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const handshake = new KafkaJSConnectionClosedError('Request ApiVersions(key: 18, version: 2) timed out; closed the connection to 127.0.0.1:9', {
      host: '127.0.0.1',
      port: 9,
    });
    const broker = {
      brokerAddress: '127.0.0.1:9',
      lock: { acquire: async () => undefined, release: async () => undefined },
      isConnected: () => false,
      connectionPool: { getConnection: async () => ({}) },
      versions: null,
      apiVersions: () => Promise.reject(handshake),
    };
    const error = await (Broker.prototype.connect as () => Promise<void>).call(broker).catch((e: Error) => e);
    // brokerPool.connect rotates the seed broker for this exact name only.
    expect(error).toMatchObject({ name: 'KafkaJSConnectionError', broker: '127.0.0.1:9', retriable: true });
  });
});

describe('a group whose coordinator stopped answering (patchKafkajsGroupCoordinatorWatch)', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup');
  const { KafkaJSProtocolError } = require('kafkajs/src/errors');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const joinKey = Object.getOwnPropertySymbols(ConsumerGroup.prototype).find((s) => s.description === 'private:ConsumerGroup:join')!;
  const notCoordinator = () => new KafkaJSProtocolError({ type: 'NOT_COORDINATOR_FOR_GROUP', code: 16, retriable: true, message: 'group coordinator lost' });
  const joined = { generationId: 2, leaderId: 'm', memberId: 'm', members: [], groupProtocol: 'RoundRobinAssigner' };
  /** A coordinator broker whose requests are counted; `join` answers a JoinGroup (or never does). */
  const coordinator = (nodeId: number, o: { heartbeat?: () => Promise<unknown>; join?: () => Promise<unknown> } = {}) => {
    const calls = { heartbeat: 0, join: 0 };
    return {
      nodeId,
      calls,
      heartbeat: () => (calls.heartbeat++, (o.heartbeat ?? (async () => ({})))()),
      joinGroup: () => (calls.join++, (o.join ?? (async () => joined))()),
    };
  };
  /** A real kafkajs ConsumerGroup whose cluster finds `found` as the coordinator, and says `current` coordinates the group now. */
  const group = (found: () => object, current: () => number, nodes: number[] = [1, 2, 3], asked: number[] = []) => {
    const logger = { namespace: () => logger, debug() {}, info() {}, warn() {}, error() {} };
    const g = new ConsumerGroup({
      groupId: 'g',
      logger,
      instrumentationEmitter: { emit() {} },
      retry: { retries: 0 },
      assigners: [],
      sessionTimeout: 10000,
      rebalanceTimeout: 60000,
      cluster: {
        findGroupCoordinator: async () => found(),
        brokerPool: {
          brokers: Object.fromEntries(nodes.map((n) => [String(n), {}])),
          findBroker: async ({ nodeId }: { nodeId: string }) => ({
            findGroupCoordinator: async () => {
              asked.push(Number(nodeId));
              return { coordinator: { nodeId: current() } };
            },
          }),
        },
      },
    });
    g.memberId = 'm';
    g.lastRequest = 0;
    return g;
  };

  it('keeps a lost coordinator lost until the group joins again: no second heartbeat goes to it', async () => {
    const lost = notCoordinator();
    const paused = coordinator(1, { heartbeat: () => Promise.reject(lost) });
    const next = coordinator(2);
    let found: object = paused;
    const g = group(
      () => found,
      () => 2,
    );
    g.coordinator = paused;
    // The first caller may ignore the error (a restore's keep-alive does); the run loop's next heartbeat must still see it.
    await expect(g.heartbeat({ interval: 0 })).rejects.toBe(lost);
    await expect(g.heartbeat({ interval: 0 })).rejects.toBe(lost);
    expect(paused.calls.heartbeat).toBe(1);
    found = next;
    await g[joinKey]();
    await g.heartbeat({ interval: 0 });
    expect(next.calls.heartbeat).toBe(1);
  });

  it('fails a join held by a coordinator that has since moved, and leaves alone one held where the group still is', async () => {
    const paused = coordinator(1, { join: () => new Promise(() => undefined) });
    const movedAway = group(
      () => paused,
      () => 2,
    );
    const busy = coordinator(3, { join: () => new Promise((resolve) => setTimeout(() => resolve(joined), 4500)) });
    const waitingForMembers = group(
      () => busy,
      () => 3,
    );
    // One broker: nobody else to ask, and the coordinator itself is not asked (it answers one request
    // of a connection at a time: the question would wait behind the join and time out).
    const alone = coordinator(1, { join: () => new Promise((resolve) => setTimeout(() => resolve(joined), 4500)) });
    const askedAlone: number[] = [];
    const single = group(
      () => alone,
      () => 1,
      [1],
      askedAlone,
    );
    const started = Date.now();
    const [moved, stayed] = await Promise.all([
      movedAway[joinKey]().then(
        () => 'joined',
        (e: Error) => e,
      ),
      waitingForMembers[joinKey]().then(() => Date.now() - started),
    ]);
    expect(moved).toMatchObject({ type: 'NOT_COORDINATOR_FOR_GROUP', retriable: true });
    expect((moved as Error).message).toMatch(/moved from broker 1 to 2/);
    expect(stayed).toBeGreaterThanOrEqual(4400);
    expect(waitingForMembers.generationId).toBe(2);
    await single[joinKey]();
    expect(askedAlone).toEqual([]);
  }, 15000);
});

describe('the broker kafkajs asks (patchKafkajsBrokerChoice)', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const BrokerPool = require('kafkajs/src/cluster/brokerPool');
  const Connection = require('kafkajs/src/network/connection');
  const { createLogger, LEVELS } = require('kafkajs/src/loggers');
  const socketFactory = require('kafkajs/src/network/socketFactory')();
  const apiVersions = require('kafkajs/src/protocol/requests/apiVersions').protocol({ version: 0 });
  /* eslint-enable @typescript-eslint/no-require-imports */

  /** A broker that accepts a connection and never answers; a request to it times out, and its port is returned. */
  async function silentBroker(): Promise<number> {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const connection = new Connection({
      host: '127.0.0.1',
      port,
      logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => undefined }),
      socketFactory,
      requestTimeout: 200,
      connectionTimeout: 1000,
    });
    try {
      await connection.connect();
      await connection.send({ ...apiVersions(), requestTimeout: 200 }).catch(() => undefined);
    } finally {
      await connection.disconnect();
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
    return port;
  }

  it('asks a broker that answered before one whose request just timed out, and moves on when one cannot be connected to', async () => {
    const silent = { brokerAddress: `127.0.0.1:${await silentBroker()}`, isConnected: () => true };
    const live = { brokerAddress: '127.0.0.1:1', isConnected: () => true };
    const pool = { brokers: { 1: silent, 2: live }, findBroker: async ({ nodeId }: { nodeId: '1' | '2' }) => pool.brokers[nodeId] };
    for (let i = 0; i < 20; i++) expect(await BrokerPool.prototype.findConnectedBroker.call(pool)).toBe(live);
    // Also when only the silent one has a connection open: the other is connected to.
    const idle = { brokerAddress: '127.0.0.1:1', isConnected: () => false };
    const onlySilentOpen = { brokers: { 1: silent, 2: idle }, findBroker: async ({ nodeId }: { nodeId: '1' | '2' }) => onlySilentOpen.brokers[nodeId] };
    for (let i = 0; i < 20; i++) expect(await BrokerPool.prototype.findConnectedBroker.call(onlySilentOpen)).toBe(idle);

    const unconnectable = {
      brokers: { 1: live, 2: live },
      findBroker: async ({ nodeId }: { nodeId: string }) => {
        if (nodeId === '1') throw new Error('connect timed out');
        return live;
      },
    };
    for (let i = 0; i < 10; i++) expect(await BrokerPool.prototype.withBroker.call(unconnectable, async ({ nodeId }: { nodeId: string }) => nodeId)).toBe('2');
  });

  it('asks the brokers for metadata in turn: one cut off from the controller, which answers as it last knew, is never asked twice in a row', async () => {
    const broker = (port: number) => ({ brokerAddress: `127.0.0.1:${port}`, isConnected: () => true });
    const pool = { brokers: { 1: broker(1), 2: broker(2), 3: broker(3) }, findBroker: async ({ nodeId }: { nodeId: '1' | '2' | '3' }) => pool.brokers[nodeId] };
    const asked: string[] = [];
    for (let i = 0; i < 9; i++) {
      asked.push((await BrokerPool.prototype.findConnectedBroker.call(pool)).brokerAddress);
      await new Promise((resolve) => setTimeout(resolve, 2)); // distinct timestamps
    }
    expect(asked.filter((address, i) => address === asked[i - 1])).toEqual([]);
    expect(new Set(asked.slice(0, 3)).size).toBe(3);
    expect(asked.slice(3, 6)).toEqual(asked.slice(0, 3));
  });

  it('closes a connection to a broker whose request timed out without waiting for its other requests', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const open = (requestTimeout: number) =>
      new Connection({
        host: '127.0.0.1',
        port,
        logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => undefined }),
        socketFactory,
        requestTimeout,
        connectionTimeout: 1000,
      });
    const waiting = open(60000);
    const timingOut = open(200);
    try {
      await waiting.connect();
      await timingOut.connect();
      const pending = waiting.send({ ...apiVersions(), requestTimeout: 60000 }).catch((e: Error) => e);
      await timingOut.send({ ...apiVersions(), requestTimeout: 200 }).catch(() => undefined);
      const started = Date.now();
      await waiting.disconnect(); // kafkajs alone waits for `pending`: 60 s
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await pending).toMatchObject({ name: 'KafkaJSConnectionClosedError' });

      // A connection that has had an answer since (a restarted broker that holds a JoinGroup) waits as kafkajs does.
      const answered = open(60000);
      await answered.connect();
      (answered as unknown as { __esAnsweredAt: number }).__esAnsweredAt = Date.now() + 1000;
      const held = answered.send({ ...apiVersions(), requestTimeout: 60000 }).then(
        () => 'answered',
        () => 'failed',
      );
      await new Promise((resolve) => setTimeout(resolve, 20)); // encoded and in flight
      void answered.disconnect().catch(() => undefined);
      expect(await Promise.race([held, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 300))])).toBe('still waiting');
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('asks again, at most once a second, for metadata that still names a broker whose request timed out', async () => {
    const silentPort = await silentBroker();
    const refreshed: number[] = [];
    const pool = (port: number) => ({
      metadata: { brokers: [{ host: '127.0.0.1', port }] },
      metadataMaxAge: 300000,
      metadataExpireAt: Date.now() - 1500 + 300000, // refreshed 1.5 s ago
      refreshMetadata: async () => {
        refreshed.push(port);
      },
    });
    const suspect = pool(silentPort);
    await BrokerPool.prototype.refreshMetadataIfNecessary.call(suspect, []);
    expect(refreshed).toEqual([silentPort]);
    suspect.metadataExpireAt = Date.now() + 300000; // just refreshed: not again within the second
    await BrokerPool.prototype.refreshMetadataIfNecessary.call(suspect, []);
    // Metadata naming only brokers that answer is kept for metadataMaxAge, as before.
    await BrokerPool.prototype.refreshMetadataIfNecessary.call(pool(1), []);
    expect(refreshed).toEqual([silentPort]);
  });
});

describe('heartbeats while a batch is handled (patchKafkajsHeartbeatDuringBatches)', () => {
  it('heartbeats every interval while the work runs, stops when it ends, and gives up after the maximum', async () => {
    let beats = 0;
    const heartbeat = async () => {
      beats++;
    };
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await expect(withKeepAlive(() => wait(330).then(() => 'done'), heartbeat, 50, 10000)).resolves.toBe('done');
    expect(beats).toBeGreaterThanOrEqual(4);
    const atEnd = beats;
    await wait(150);
    expect(beats).toBe(atEnd);

    beats = 0;
    await withKeepAlive(() => wait(400), heartbeat, 50, 120);
    expect(beats).toBeLessThanOrEqual(3);
    // kafkajs' run loop does it for every batch: a batch handled for 250 ms heartbeats on the way.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Runner = require('kafkajs/src/consumer/runner');
    beats = 0;
    const runner = {
      running: true,
      heartbeatInterval: 50,
      consumerGroup: { rebalanceTimeout: 10000 },
      instrumentationEmitter: { emit() {} },
      eachBatch: true,
      heartbeat,
      processEachBatch: () => wait(250),
      autoCommitOffsets: async () => undefined,
    };
    const batch = {
      isEmptyDueToFiltering: () => false,
      isEmpty: () => false,
      offsetLag: () => '0',
      offsetLagLow: () => '0',
      firstOffset: () => '0',
      lastOffset: () => '0',
      messages: [],
    };
    await Runner.prototype.handleBatch.call(runner, batch);
    expect(beats).toBeGreaterThanOrEqual(4); // 1 after the batch, the rest during it
    // A failing heartbeat does not fail the work: the run loop sees the error on its own next heartbeat.
    await expect(
      withKeepAlive(
        () => wait(120).then(() => 1),
        () => Promise.reject(new Error('lost')),
        20,
        1000,
      ),
    ).resolves.toBe(1);
  });
});

describe('seed brokers for a new client (seedOrder)', () => {
  it('tries the brokers this process could not reach in the last minute last, in their order otherwise', () => {
    const now = 1_000_000;
    const unreachable = new Map([
      ['b:2', now - 5000],
      ['a:1', now - 61000], // a minute ago: tried in its place again
    ]);
    expect(seedOrder(['a:1', 'b:2', 'c:3'], unreachable, now)).toEqual(['a:1', 'c:3', 'b:2']);
    unreachable.delete('b:2');
    expect(seedOrder(['a:1', 'b:2', 'c:3'], unreachable, now)).toEqual(['a:1', 'b:2', 'c:3']);
  });
});
