import { defaultLogFormat, LogFormat } from '../logging/json-logger';
import { EnvReader } from './env-reader';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl: boolean;
  readonly sslCaFile?: string;
  readonly sslRejectUnauthorized: boolean;
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export interface TopicSettings {
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
}

/** Node HTTP server limits that close slow or idle clients (slow-loris) instead of holding sockets. */
export interface HttpServerSettings {
  /** Time to receive the request head; the request line and headers of a slow client are cut after it. */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request, body included (not the time to answer it). */
  readonly requestTimeoutMs: number;
  /** Idle time of a keep-alive connection between two requests. */
  readonly keepAliveTimeoutMs: number;
}

/** Projector tuning (dead letters, rebuild grace); see docs/operations.md. */
export interface ProjectionSettings {
  /** `stop` (default): a poison event halts its partition until an operator retries or skips it. */
  readonly deadLetterPolicy: 'stop' | 'skip';
  /** Attempts at a failing event (or batch) before it is dead-lettered. */
  readonly maxAttempts: number;
  /** How long an old version's schema stays after a switch, for queries that resolved it just before. */
  readonly dropOldVersionAfterMs: number;
  /** A projector's /health fails while its live version lags more records than this (0: never). */
  readonly healthMaxLag: number;
}

/** The fulfillment saga's handling of records it cannot react to; see docs/operations.md. */
export interface SagaSettings {
  /** `stop` (default): such a record holds its partition until an operator retries or skips it. */
  readonly deadLetterPolicy: 'stop' | 'skip';
  /** Attempts at such a record (with back-off) before it is dead-lettered. */
  readonly maxAttempts: number;
}

/** How the command processor's consumer batches commands (group commit). */
export interface CommandFetchSettings {
  /** The broker holds a fetch until this many bytes of commands are there … */
  readonly minBytes: number;
  /** … or this long passed. */
  readonly maxWaitMs: number;
}

export interface AppConfig {
  readonly app: string;
  readonly namespace: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly logFormat: LogFormat;
  readonly kafka: KafkaSettings;
  readonly topics: TopicSettings;
  readonly databaseUrl: string;
  /** Limits on every PostgreSQL pool: connecting, and one statement (0 = no statement limit). */
  readonly databaseTimeouts: { readonly connectTimeoutMs: number; readonly statementTimeoutMs: number; readonly idleInTransactionTimeoutMs: number };
  readonly adminToken?: string;
  readonly commandTimeoutMs: number;
  readonly readYourWritesTimeoutMs: number;
  /** How long the command processor remembers a successful command's outcome (Idempotency-Key). */
  readonly idempotencyWindowMs: number;
  /** Concurrent X-Min-Position waits a query API instance holds; beyond it, 503 at once. */
  readonly readYourWritesMaxWaiters: number;
  readonly http: HttpServerSettings;
  readonly projection: ProjectionSettings;
  readonly saga: SagaSettings;
  readonly commandFetch: CommandFetchSettings;
  /** How long a start that fails on an unreachable Kafka or PostgreSQL is tried again (0 = exit at once). */
  readonly startupWaitMs: number;
}

/** Local defaults: the broker and database that `npm start` launches (tools/stack). */
export const LOCAL_KAFKA_BROKERS = '127.0.0.1:9092';
export const LOCAL_DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:54329/es';

/** Port variable and default per app; the two APIs' ports are part of the HTTP contract. */
export const APP_PORTS: Readonly<Record<string, { variable: string; port: number }>> = {
  'command-api': { variable: 'COMMAND_API_PORT', port: 3000 },
  'query-api': { variable: 'QUERY_API_PORT', port: 3001 },
  'command-processor': { variable: 'COMMAND_PROCESSOR_PORT', port: 3010 },
  'orders-projector': { variable: 'ORDERS_PROJECTOR_PORT', port: 3011 },
  'inventory-projector': { variable: 'INVENTORY_PROJECTOR_PORT', port: 3012 },
  'fulfillment-saga': { variable: 'FULFILLMENT_SAGA_PORT', port: 3013 },
  'event-index-projector': { variable: 'EVENT_INDEX_PROJECTOR_PORT', port: 3014 },
};

// Namespaces end up in topic names, consumer groups and PostgreSQL schema names: keep them to the
// characters all three accept without quoting surprises.
const NAMESPACE = /^[a-z][a-z0-9_]{0,39}$/;
const BROKER = /^[A-Za-z0-9.-]+:\d{1,5}$/;

export function loadAppConfig(app: string, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const read = new EnvReader(env);
  const portSpec = APP_PORTS[app] ?? { variable: 'PORT', port: 3099 };

  const brokersRaw = read.string('KAFKA_BROKERS', LOCAL_KAFKA_BROKERS);
  const brokers = brokersRaw
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0 || brokers.some((b) => !BROKER.test(b))) {
    read.fail(`KAFKA_BROKERS=${JSON.stringify(brokersRaw)} is invalid: must be comma-separated host:port pairs`);
  }

  const saslMechanism = read.optionalString('KAFKA_SASL_MECHANISM');
  let sasl: KafkaSettings['sasl'];
  if (saslMechanism !== undefined) {
    const mechanism = read.oneOf<SaslMechanism>('KAFKA_SASL_MECHANISM', 'plain', ['plain', 'scram-sha-256', 'scram-sha-512']);
    const username = read.optionalString('KAFKA_SASL_USERNAME');
    const password = read.optionalString('KAFKA_SASL_PASSWORD');
    if (!username) read.fail('KAFKA_SASL_USERNAME is required when KAFKA_SASL_MECHANISM is set');
    if (!password) read.fail('KAFKA_SASL_PASSWORD is required when KAFKA_SASL_MECHANISM is set');
    sasl = { mechanism, username: username ?? '', password: password ?? '' };
  }

  const adminToken = read.optionalString('ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) read.fail('ADMIN_TOKEN is invalid: must be at least 16 characters');
  // A generated token is only fit for a developer's machine: in production it would change on
  // every restart and end up in the logs, so the admin endpoints' owner must choose one.
  if (app === 'query-api' && adminToken === undefined && env.NODE_ENV === 'production') {
    read.fail('ADMIN_TOKEN is required when NODE_ENV=production (at least 16 characters, e.g. openssl rand -base64 24)');
  }

  const config: AppConfig = {
    app,
    namespace: read.string('ES_NAMESPACE', 'es', NAMESPACE, 'lowercase letters, digits and _, starting with a letter, at most 40 characters'),
    host: read.string('HOST', '127.0.0.1', /^[A-Za-z0-9.:-]+$/, 'an interface address such as 127.0.0.1 or 0.0.0.0'),
    port: read.int(portSpec.variable, portSpec.port, 0, 65535),
    logLevel: read.oneOf('LOG_LEVEL', 'info', ['debug', 'info', 'warn', 'error'] as const),
    logFormat: read.oneOf<LogFormat>('LOG_FORMAT', defaultLogFormat(), ['json', 'pretty']),
    kafka: {
      brokers,
      clientId: read.string('KAFKA_CLIENT_ID', app, /^[A-Za-z0-9._-]{1,100}$/),
      ssl: read.bool('KAFKA_SSL', false),
      sslCaFile: read.optionalString('KAFKA_SSL_CA_FILE'),
      sslRejectUnauthorized: read.bool('KAFKA_SSL_REJECT_UNAUTHORIZED', true),
      sasl,
      connectionTimeoutMs: read.int('KAFKA_CONNECTION_TIMEOUT_MS', 3000, 100, 120000),
      // 5 s, not kafkajs' 30 s: a request to a broker that stopped answering fails after it, the
      // connection is closed and metadata asked again (patchKafkajsDisconnectOnRequestTimeout), so a
      // command finds the new leader within COMMAND_TIMEOUT_MS (10 s). Fetch and JoinGroup add their
      // own wait to it; a produce that waits for a paused follower to leave the ISR is retried.
      requestTimeoutMs: read.int('KAFKA_REQUEST_TIMEOUT_MS', 5000, 1000, 300000),
    },
    topics: {
      partitions: read.int('TOPIC_PARTITIONS', 6, 1, 1000),
      replicationFactor: read.int('TOPIC_REPLICATION_FACTOR', 1, 1, 10),
      minInsyncReplicas: read.int('TOPIC_MIN_INSYNC_REPLICAS', 1, 1, 10),
    },
    databaseUrl: read.url('DATABASE_URL', LOCAL_DATABASE_URL, ['postgres:', 'postgresql:']),
    databaseTimeouts: {
      connectTimeoutMs: read.int('DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 120000),
      statementTimeoutMs: read.int('DATABASE_STATEMENT_TIMEOUT_MS', 30000, 0, 3600000),
      idleInTransactionTimeoutMs: read.int('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 10000, 0, 3600000),
    },
    adminToken,
    commandTimeoutMs: read.int('COMMAND_TIMEOUT_MS', 10000, 100, 600000),
    readYourWritesTimeoutMs: read.int('READ_YOUR_WRITES_TIMEOUT_MS', 5000, 0, 60000),
    idempotencyWindowMs: read.int('IDEMPOTENCY_WINDOW_MS', 24 * 60 * 60 * 1000, 1000, 30 * 24 * 60 * 60 * 1000),
    readYourWritesMaxWaiters: read.int('READ_YOUR_WRITES_MAX_WAITERS', 2000, 1, 1_000_000),
    http: {
      headersTimeoutMs: read.int('HTTP_HEADERS_TIMEOUT_MS', 5000, 100, 300000),
      requestTimeoutMs: read.int('HTTP_REQUEST_TIMEOUT_MS', 10000, 100, 300000),
      keepAliveTimeoutMs: read.int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 5000, 100, 300000),
    },
    projection: {
      deadLetterPolicy: read.oneOf<ProjectionSettings['deadLetterPolicy']>('PROJECTION_DEAD_LETTER_POLICY', 'stop', ['stop', 'skip']),
      maxAttempts: read.int('PROJECTION_MAX_ATTEMPTS', 3, 1, 100),
      dropOldVersionAfterMs: read.int('PROJECTION_DROP_OLD_VERSION_AFTER_MS', 10000, 0, 3600000),
      healthMaxLag: read.int('PROJECTION_HEALTH_MAX_LAG', 0, 0, 1_000_000_000),
    },
    saga: {
      deadLetterPolicy: read.oneOf<SagaSettings['deadLetterPolicy']>('SAGA_DEAD_LETTER_POLICY', 'stop', ['stop', 'skip']),
      maxAttempts: read.int('SAGA_MAX_ATTEMPTS', 3, 1, 100),
    },
    commandFetch: {
      // Long poll by default (the consumers' LONG_POLL): the broker answers as soon as one byte is
      // there and holds an empty fetch up to 1 s, so a command is fetched the moment it is appended
      // and an idle processor does not poll; batches form from what arrives during a transaction.
      minBytes: read.int('COMMAND_FETCH_MIN_BYTES', 1, 1, 64 * 1024 * 1024),
      maxWaitMs: read.int('COMMAND_FETCH_MAX_WAIT_MS', 1000, 0, 10000),
    },
    startupWaitMs: read.int('STARTUP_WAIT_MS', 60000, 0, 3600000),
  };
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) {
    // Node refuses a headers timeout longer than the request timeout (the head is part of the request).
    read.fail('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  if (config.topics.minInsyncReplicas > config.topics.replicationFactor) {
    read.fail('TOPIC_MIN_INSYNC_REPLICAS must not exceed TOPIC_REPLICATION_FACTOR');
  }
  read.done();
  return config;
}
