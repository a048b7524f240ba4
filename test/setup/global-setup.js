'use strict';
/**
 * Starts the real infrastructure for the integration tier: a KRaft broker (tools/kafka) and an
 * embedded PostgreSQL (tools/postgres), each in a throwaway directory, unless KAFKA_BROKERS /
 * DATABASE_URL name running ones. Nothing is mocked, and a missing service fails the run.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startKafka } = require('../../tools/kafka/launcher');
const { resolvePostgres, throwawayDir } = require('../../tools/postgres/launcher');
const { assertKafkaReachable, assertPostgresReachable } = require('./infra-checks');

const log = (message) => process.stderr.write(`[test-infra] ${message}\n`);

module.exports = async function globalSetup() {
  const state = { kafka: null, postgres: null };
  const started = Date.now();
  if (process.env.KAFKA_BROKERS) {
    log(`using external Kafka at ${process.env.KAFKA_BROKERS}`);
  } else {
    const dataDir = path.join(throwawayDir('es-kafka-'), 'kafka');
    log('starting a local Kafka broker (first run resolves its jars with Maven)…');
    const kafka = await startKafka({ dataDir, port: 0, log: (m) => log(m) });
    process.env.KAFKA_BROKERS = kafka.brokers;
    state.kafka = { pid: kafka.pid, brokers: kafka.brokers, dataDir };
    globalThis.__ES_KAFKA__ = kafka;
    log(`Kafka ${kafka.brokers} (pid ${kafka.pid}) ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const pgStarted = Date.now();
  const postgres = await resolvePostgres({ log: () => {} });
  process.env.DATABASE_URL = postgres.url;
  globalThis.__ES_POSTGRES__ = postgres;
  if (!postgres.external) {
    state.postgres = { pid: postgres.pid, url: postgres.url };
    log(`embedded PostgreSQL ${postgres.url} ready in ${((Date.now() - pgStarted) / 1000).toFixed(1)} s`);
  } else {
    log('using external PostgreSQL from DATABASE_URL');
  }
  await assertKafkaReachable(process.env.KAFKA_BROKERS);
  await assertPostgresReachable(process.env.DATABASE_URL);
  const stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'es-test-state-')), 'infra.json');
  fs.writeFileSync(stateFile, JSON.stringify(state));
  process.env.ES_TEST_INFRA_FILE = stateFile;
  // Apps spawned by tests log JSON; keep them quiet unless asked.
  process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'warn';
};
