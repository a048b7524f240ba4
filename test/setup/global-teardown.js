'use strict';
const fs = require('node:fs');
const { pidAlive } = require('./infra-checks');

module.exports = async function globalTeardown() {
  const kafka = globalThis.__ES_KAFKA__;
  const postgres = globalThis.__ES_POSTGRES__;
  const brokerDied = kafka && !pidAlive(kafka.pid);
  if (kafka) await kafka.stop().catch(() => undefined);
  if (postgres) await postgres.stop().catch(() => undefined);
  if (process.env.ES_TEST_INFRA_FILE) fs.rmSync(require('node:path').dirname(process.env.ES_TEST_INFRA_FILE), { recursive: true, force: true });
  if (brokerDied) {
    // Tests that ran after the broker died already failed; this makes the cause impossible to miss.
    throw new Error(`the Kafka broker (pid ${kafka.pid}) died during the test run; see ${kafka.logFile}`);
  }
};
