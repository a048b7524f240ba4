import net from 'node:net';
import { JsonLogger, KafkaSettings } from '@es/common';
import { createKafka, seedOrder } from './kafka-client.factory';

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
