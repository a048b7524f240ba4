import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { APP_PORTS } from '@es/common';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DEFAULT_KAFKA_VERSION, brokerProperties } = require('../kafka/launcher');

interface Service {
  command?: string[];
  environment?: Record<string, unknown>;
  image?: string;
  build?: unknown;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, unknown>;
}
const ROOT = join(__dirname, '..', '..');
/** The broker settings `npm start` and the tests run with: the compose files must not be slower to heal. */
const LAUNCHER_BROKER = brokerProperties({ dataDir: '/tmp/x', port: 9092, controllerPort: 9093, version: DEFAULT_KAFKA_VERSION }) as Record<string, string>;
const CLEANUP_INTERVAL = 'transaction.abort.timed.out.transaction.cleanup.interval.ms';
const BROKER_REQUEST_TIMEOUT = 'request.timeout.ms';
const load = (file: string) =>
  parse(readFileSync(join(ROOT, file), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };

/**
 * No Docker engine runs where the suite runs, so the compose files are checked as data: they parse,
 * keep the events on a volume, and wire every app with the environment contract the apps validate.
 */
describe('docker-compose.yml', () => {
  const compose = load('docker-compose.yml');

  it('runs the launcher’s Kafka release from the official apache/kafka image, and PostgreSQL', () => {
    expect(compose.services.kafka.image).toBe(`apache/kafka:${DEFAULT_KAFKA_VERSION}`);
    expect(compose.services.kafka.environment).toMatchObject({ KAFKA_PROCESS_ROLES: 'broker,controller', KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' });
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
  });

  it("aborts a timed-out transaction (a paused writer's) and gives up on a paused broker as soon as the launcher's broker does", () => {
    expect(String(compose.services.kafka.environment?.KAFKA_TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS)).toBe(
      LAUNCHER_BROKER[CLEANUP_INTERVAL],
    );
    expect(String(compose.services.kafka.environment?.KAFKA_REQUEST_TIMEOUT_MS)).toBe(LAUNCHER_BROKER[BROKER_REQUEST_TIMEOUT]);
  });

  it('keeps the events on the Kafka volume (KAFKA_LOG_DIRS), not in the container', () => {
    const logDirs = String(compose.services.kafka.environment?.KAFKA_LOG_DIRS);
    const mounts = (compose.services.kafka.volumes ?? []).map((v) => v.split(':'));
    expect(mounts).toContainEqual(['kafka-data', logDirs]);
    expect(Object.keys(compose.volumes)).toContain('kafka-data');
  });

  it.each(Object.entries(APP_PORTS))('starts %s with its built entry point, the contract environment and a /health check', (app, { variable, port }) => {
    const service = compose.services[app];
    expect(service.command).toEqual(['node', `dist/apps/${app}/main.js`]);
    expect(service.environment).toMatchObject({
      KAFKA_BROKERS: 'kafka:9092',
      DATABASE_URL: expect.stringMatching(/^postgres:\/\/.+@postgres:5432\//),
      ES_NAMESPACE: expect.any(String),
      HOST: '0.0.0.0',
      [variable]: port,
    });
    expect(service.healthcheck?.test?.join(' ')).toContain(`http://127.0.0.1:${port}/health`);
  });

  it('has no default admin token and publishes ports on 127.0.0.1 only', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect({ name, token: service.environment?.ADMIN_TOKEN ?? '' }).toEqual({ name, token: expect.not.stringMatching(/:-[^}]/) });
      for (const published of service.ports ?? []) expect({ name, published }).toEqual({ name, published: expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/) });
    }
    expect(compose.services['command-api'].ports).toEqual(['127.0.0.1:3000:3000']);
  });
});

describe('docker-compose.cluster.yml', () => {
  const cluster = load('docker-compose.cluster.yml');
  const brokers = ['kafka', 'kafka-2', 'kafka-3'];

  it('runs three KRaft brokers with replication factor 3 and min.insync.replicas 2, each on its own volume', () => {
    const ids = brokers.map((b) => cluster.services[b].environment?.KAFKA_NODE_ID);
    expect(ids).toEqual([1, 2, 3]);
    for (const b of brokers) {
      const env = cluster.services[b].environment ?? {};
      expect(env).toMatchObject({
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093',
        KAFKA_DEFAULT_REPLICATION_FACTOR: 3,
        KAFKA_MIN_INSYNC_REPLICAS: 2,
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 3,
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 2,
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 3,
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${b}:9092`,
      });
      expect(String(env.KAFKA_TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS)).toBe(LAUNCHER_BROKER[CLEANUP_INTERVAL]);
      expect(String(env.KAFKA_REQUEST_TIMEOUT_MS)).toBe(LAUNCHER_BROKER[BROKER_REQUEST_TIMEOUT]);
      if (b !== 'kafka') {
        expect(cluster.services[b].image).toBe(`apache/kafka:${DEFAULT_KAFKA_VERSION}`);
        expect(cluster.services[b].volumes).toEqual([`${b}-data:${env.KAFKA_LOG_DIRS}`]);
      }
    }
  });

  it.each(Object.keys(APP_PORTS))('points %s at all three brokers with replication factor 3 and min ISR 2', (app) => {
    expect(cluster.services[app].environment).toEqual({
      KAFKA_BROKERS: 'kafka:9092,kafka-2:9092,kafka-3:9092',
      TOPIC_REPLICATION_FACTOR: 3,
      TOPIC_MIN_INSYNC_REPLICAS: 2,
    });
    expect(Object.keys(cluster.services[app].depends_on ?? {})).toEqual(expect.arrayContaining(brokers));
  });
});
