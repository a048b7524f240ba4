'use strict';
/**
 * `npm test`: builds every app (the e2e tier runs the built dist/apps/<app>/main.js, as deployed),
 * then runs both Jest tiers; the integration tier starts its own Kafka and PostgreSQL.
 * Extra arguments go to Jest, e.g. `npm test -- --selectProjects unit`.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const step = (title) => process.stdout.write(`\n=== ${title} ===\n`);

step('build (nx run-many -t build)');
const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--parallel=2', '--outputStyle=static'], { cwd: root, env, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

step('tests (jest: unit + integration, real Kafka and PostgreSQL)');
const resultFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'es-jest-')), 'results.json');
const jest = spawnSync(
  'npx',
  ['jest', '--ci', '--json', `--outputFile=${resultFile}`, ...process.argv.slice(2)],
  { cwd: root, env, stdio: 'inherit' },
);
let summary = '';
try {
  const r = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed`;
  if (r.numPendingTests) summary += `, ${r.numPendingTests} skipped`;
  if (r.numRuntimeErrorTestSuites) summary += ` (${r.numRuntimeErrorTestSuites} suites could not run)`;
} catch {
  summary = 'no results: jest did not finish';
}
process.stdout.write(`\ntests: ${summary}\n`);
process.exit(jest.status ?? 1);
