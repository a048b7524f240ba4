/**
 * Run by tools/stack/start.js before it starts anything (ts-node, transpile only): validates the
 * environment with the apps' own config loader, so a bad variable fails `npm start` in about a
 * second instead of after Kafka, PostgreSQL and the build. Prints every distinct problem, one per
 * line, and exits 1; prints nothing and exits 0 when all six apps would accept the environment.
 * Imports the config files directly: the @es/common barrel would load Nest for nothing.
 */
import { APP_PORTS, loadAppConfig } from '../../libs/common/src/config/app-config';
import { ConfigError } from '../../libs/common/src/config/env-reader';

const problems = new Set<string>();
for (const app of Object.keys(APP_PORTS)) {
  try {
    loadAppConfig(app, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) problems.add(problem);
  }
}
if (problems.size > 0) {
  process.stdout.write([...problems].join('\n') + '\n');
  process.exit(1);
}
