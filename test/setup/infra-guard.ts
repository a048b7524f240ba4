/**
 * Runs before every integration file: if the broker or the database went away (killed during the
 * run), the file fails at once with a message that says so instead of timing out test by test.
 */
import { readFileSync } from 'node:fs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { assertKafkaReachable, assertPostgresReachable } = require('./infra-checks');

// Integration tests wait on real brokers and processes; per-test budgets are set where it matters.
jest.setTimeout(120000);

beforeAll(async () => {
  const brokers = process.env.KAFKA_BROKERS;
  const databaseUrl = process.env.DATABASE_URL;
  if (!brokers || !databaseUrl) {
    throw new Error(
      'KAFKA_BROKERS / DATABASE_URL are not set: the integration tier needs the real broker and database (run it through jest so the global setup starts them)',
    );
  }
  const state = process.env.ES_TEST_INFRA_FILE ? JSON.parse(readFileSync(process.env.ES_TEST_INFRA_FILE, 'utf8')) : {};
  await assertKafkaReachable(brokers, { pid: state.kafka?.pid });
  await assertPostgresReachable(databaseUrl);
});
