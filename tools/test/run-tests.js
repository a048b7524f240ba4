// @ts-check
'use strict';
/**
 * `npm test`: lints (tools/lint/lint.js: ESLint, tsc on tools/, Prettier; a failure fails the run, but the tests
 * still run so one run shows everything), builds every app (the e2e tier runs the built
 * dist/apps/<app>/main.js, as deployed), then runs the Jest tiers: unit + integration together (the integration tier starts its own Kafka
 * and PostgreSQL), then the fault tier alone — it starts 3-broker clusters and kills processes, and
 * must not share the machine's cores with the integration tier (timings, session timeouts).
 * Extra arguments go to Jest, e.g. `npm test -- --selectProjects unit`; with --selectProjects given,
 * Jest runs once with exactly those arguments.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const step = (title) => process.stdout.write(`\n=== ${title} ===\n`);

step('lint (eslint, tsc -p tsconfig.tools.json, prettier --check)');
const lint = spawnSync(process.execPath, [path.join(__dirname, '..', 'lint', 'lint.js')], { cwd: root, env, stdio: 'inherit' });
const lintFailed = lint.status !== 0;

step('build (nx run-many -t build)');
const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--parallel=2', '--outputStyle=static'], { cwd: root, env, stdio: 'inherit' });
if (build.status !== 0) {
  if (lintFailed) process.stdout.write('\nlint: FAILED (see the lint step above)\n');
  process.exit(build.status ?? 1);
}

const extra = process.argv.slice(2);
const runs = extra.includes('--selectProjects')
  ? [{ title: 'tests (jest)', args: extra }]
  : [
      { title: 'tests (jest: unit + integration, real Kafka and PostgreSQL)', args: ['--selectProjects', 'unit', 'integration', ...extra] },
      { title: 'fault tier (jest: SIGKILL brokers, PostgreSQL, processors under load; docs/reliability.md)', args: ['--selectProjects', 'fault', ...extra] },
    ];

// A summary left by an earlier run must not pass for this one's.
const faultSummary = path.join(root, '.data', 'fault-tier', 'summary.md');
fs.rmSync(faultSummary, { force: true });

const totals = { passed: 0, failed: 0, skipped: 0, broken: 0, unfinished: 0 };
let status = 0;
for (const run of runs) {
  step(run.title);
  const resultFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'es-jest-')), 'results.json');
  const jest = spawnSync('npx', ['jest', '--ci', '--json', `--outputFile=${resultFile}`, ...run.args], { cwd: root, env, stdio: 'inherit' });
  try {
    const r = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += r.numPendingTests;
    totals.broken += r.numRuntimeErrorTestSuites;
  } catch {
    totals.unfinished += 1;
  }
  if (jest.status !== 0) status = jest.status ?? 1;
}
let summary = `${totals.passed} passed, ${totals.failed} failed`;
if (totals.skipped) summary += `, ${totals.skipped} skipped`;
if (totals.broken) summary += ` (${totals.broken} suites could not run)`;
if (totals.unfinished) summary += ` (${totals.unfinished} jest run(s) did not finish)`;
if (lintFailed) {
  process.stdout.write('\nlint: FAILED (see the lint step at the top; `npm run lint` reruns it alone)\n');
  if (status === 0) status = 1;
}
process.stdout.write(`\ntests: ${summary}\n`);
if (runs.length > 1 && fs.existsSync(faultSummary)) process.stdout.write(`\nfault tier:\n${fs.readFileSync(faultSummary, 'utf8')}`);
process.exit(status);
