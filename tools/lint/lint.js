// @ts-check
'use strict';
/**
 * `npm run lint` (and the first step of `npm test`): every check runs, even after one failed, so a run shows all
 * the findings at once; the exit code is 1 if any failed.
 *   - ESLint: typescript-eslint recommended + the Nx layer rule (eslint.config.mjs); warnings count as failures.
 *   - tsc -p tsconfig.tools.json: the JavaScript in tools/ (`// @ts-check`, JSDoc types).
 *   - prettier --check: formatting (.prettierrc.json, .prettierignore); `npm run format` fixes it.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const CHECKS = [
  // The Nx layer rule reads the project graph Nx cached in .nx/workspace-data; without it (a fresh
  // clone) the rule is silently skipped, and a cache older than the last change judges old imports.
  // `nx show projects` recomputes it from the current files first.
  { name: 'nx project graph', cmd: bin('nx'), args: ['show', 'projects'], hint: 'the Nx workspace does not load (nx.json, project.json files)' },
  { name: 'eslint', cmd: bin('eslint'), args: ['--max-warnings=0', '.'], hint: 'fix the findings above (`npx eslint --fix .` fixes some)' },
  { name: 'tsc (tools/)', cmd: bin('tsc'), args: ['-p', 'tsconfig.tools.json'], hint: 'fix the JSDoc types in tools/' },
  { name: 'prettier', cmd: bin('prettier'), args: ['--check', '--log-level=warn', '.'], hint: 'run `npm run format`' },
];

const results = CHECKS.map((check) => {
  const t0 = Date.now();
  const r = spawnSync(check.cmd, check.args, { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
  const ok = r.status === 0;
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`lint: ${check.name} ${ok ? 'passed' : `FAILED (${r.error ? r.error.message : `exit ${r.status}`}): ${check.hint}`} (${seconds}s)\n`);
  return ok;
});
process.exit(results.every(Boolean) ? 0 : 1);
