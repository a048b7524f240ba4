// @ts-check
'use strict';
/**
 * `npm start`: the whole system on one machine, supervised. Brings up Kafka and PostgreSQL (local,
 * data under .data/ unless KAFKA_BROKERS / DATABASE_URL say otherwise), builds and starts the six
 * apps (they provision topics and run migrations at boot, idempotently), prints the URLs and the
 * admin token, and then keeps them running:
 *
 * - an app that dies is restarted with back-off while the others keep serving; so are the broker
 *   and the database it started (on their data). A process that keeps dying (RestartPolicy) stops
 *   the stack with exit 1, loudly: a stack that limps along would hide a broken deployment.
 * - every start-up failure (bad variable, taken port, no Java, an app that exits) is one
 *   `[stack] failed: …` line and exit 1, before anything else is started where possible.
 * - Ctrl-C, `kill -TERM $(cat .data/stack.pid)` and `npm stop` all stop the apps, then the database,
 *   then the broker, and exit 0 (npm does not forward signals to its script, hence the pid file).
 *
 * Settings for running several stacks on one machine (the tests do): STACK_DATA_DIR (default
 * .data), STACK_KAFKA_PORT (9092), STACK_POSTGRES_PORT (54329), the apps' own *_PORT variables,
 * STACK_SKIP_BUILD=1 (use the existing dist/), STACK_MAX_CRASHES / STACK_CRASH_WINDOW_MS (5 in 60 s).
 */
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startKafka } = require('../kafka/launcher');
const { startPostgres } = require('../postgres/launcher');
const { portFree } = require('../process/free-port');
const { RestartPolicy } = require('./restart-policy');

const root = path.join(__dirname, '..', '..');
const dataDir = path.resolve(root, process.env.STACK_DATA_DIR || '.data');
const pidFile = path.join(dataDir, 'stack.pid');
const stateFile = path.join(dataDir, 'stack.json');
// Order matters only for a calm first boot: the processor provisions topics, projectors migrate.
/** @type {[app: string, portVariable: string, defaultPort: number][]} */
const APPS = [
  ['command-processor', 'COMMAND_PROCESSOR_PORT', 3010],
  ['orders-projector', 'ORDERS_PROJECTOR_PORT', 3011],
  ['inventory-projector', 'INVENTORY_PROJECTOR_PORT', 3012],
  ['fulfillment-saga', 'FULFILLMENT_SAGA_PORT', 3013],
  ['event-index-projector', 'EVENT_INDEX_PROJECTOR_PORT', 3014],
  ['query-api', 'QUERY_API_PORT', 3001],
  ['command-api', 'COMMAND_API_PORT', 3000],
];
const HEALTH_TIMEOUT_MS = 120000;
const shortPath = (p) => (p.startsWith(root + path.sep) ? path.relative(root, p) : p);
const say = (message) => process.stdout.write(`[stack] ${message}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A start-up failure the user can act on: printed as one line, without a stack trace. */
class StartError extends Error {}

const units = []; // { name, policy, current: { pid, exited: Promise<string>, stop() }, start() }
const cleanups = []; // infrastructure, stopped in reverse order after the apps
const liveApps = new Set(); // every app process still running, including one that is starting
let stopping = false;
let ownsPidFile = false;

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  const started = liveApps.size > 0 || cleanups.length > 0;
  if (started) say('stopping…');
  await Promise.all([...liveApps].map((app) => app.stop()));
  for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => say(`cleanup failed: ${e.message}`));
  if (ownsPidFile) for (const file of [pidFile, stateFile]) fs.rmSync(file, { force: true });
  if (started) say(code === 0 ? 'stopped' : `stopped (exit ${code})`);
  process.exit(code);
}

function fail(error) {
  const [first, ...rest] = String(error instanceof StartError ? error.message : (error?.message ?? error)).split('\n');
  say(`failed: ${first}`);
  if (rest.length > 0 && !(error instanceof StartError)) process.stderr.write(`${rest.join('\n')}\n`);
  return stopAll(1);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function readPort(env, variable, fallback) {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || port < 1 || port > 65535) {
    throw new StartError(`${variable}=${JSON.stringify(raw)} is invalid: npm start needs a fixed port from 1 to 65535`);
  }
  return port;
}

/** The pid a previous run of ours left on this data dir for `port`, if it is still running (the launchers stop it). */
function leftoverOnPort(kind, port) {
  try {
    if (kind === 'kafka') {
      const info = JSON.parse(fs.readFileSync(path.join(dataDir, 'kafka', 'kafka.pid'), 'utf8'));
      return info.port === port && alive(info.pid);
    }
    const lines = fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
    return Number(lines[3]) === port && alive(Number(lines[0]));
  } catch {
    return false;
  }
}

/**
 * Apps an earlier supervisor left running when it was killed outright (SIGKILL, OOM): the broker and
 * the database have watchdogs, the apps would keep their ports. Stopped if still the same program.
 */
async function stopLeftoverApps() {
  let state;
  try {
    state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  } catch {
    return;
  }
  if (!state.pid || alive(state.pid)) return;
  for (const [app] of APPS) {
    const pid = state.processes?.[app]?.pid;
    let cmdline;
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes(path.join('dist', 'apps', app, 'main.js'))) continue;
    say(`stopping ${app} (pid ${pid}), left running by an earlier npm start`);
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

/** Validates the environment with the apps' own config loader (tools/stack/check-env.ts), in about a second. */
function checkEnvironment(env) {
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register', path.join(__dirname, 'check-env.ts')], {
    cwd: root,
    env: { ...env, TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
    encoding: 'utf8',
  });
  if (result.status === 0) return;
  const problems = result.stdout.trim().split('\n').filter(Boolean);
  if (problems.length === 0) throw new Error(`the environment check failed: ${result.stderr.trim()}`);
  throw new StartError(`invalid environment: ${problems.join('; ')}`);
}

function writeState(extra = {}) {
  const state = { pid: process.pid, dataDir, ...extra, processes: Object.fromEntries(units.map((u) => [u.name, { pid: u.current?.pid, port: u.port }])) };
  fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
}

/**
 * Restarts `unit` each time its process ends, until the stack stops or the unit keeps dying.
 * `unit.start()` resolves a running process; a failed restart counts as one more crash.
 */
async function supervise(unit) {
  for (;;) {
    const reason = await unit.current.exited;
    if (stopping) return;
    const verdict = unit.policy.crashed();
    if (verdict.giveUp) {
      say(`${unit.name} ${reason}: it died ${verdict.count} times within ${unit.policy.windowMs / 1000} s; giving up and stopping the stack`);
      return stopAll(1);
    }
    say(
      `${unit.name} ${reason}; restarting it in ${verdict.delayMs / 1000} s (crash ${verdict.count} of ${unit.policy.maxCrashes} allowed within ${unit.policy.windowMs / 1000} s)`,
    );
    await sleep(verdict.delayMs);
    if (stopping) return;
    try {
      unit.current = await unit.start({ restart: true });
      writeState();
    } catch (error) {
      say(`${unit.name} restart failed: ${String(error.message).split('\n')[0]}`);
      unit.current = { pid: undefined, exited: Promise.resolve('could not be restarted'), stop: async () => {} };
    }
  }
}

function addUnit(unit) {
  const maxCrashes = Number(process.env.STACK_MAX_CRASHES) || 5;
  const windowMs = Number(process.env.STACK_CRASH_WINDOW_MS) || 60000;
  units.push({ policy: new RestartPolicy({ maxCrashes, windowMs }), ...unit });
}

const describeExit = ({ code, signal }) => `exited (${signal ?? `code ${code}`})`;

async function startKafkaUnit(port) {
  const dir = path.join(dataDir, 'kafka');
  say(`starting Kafka (data in ${shortPath(dir)})…`);
  // The launcher's own progress (first use resolves the jars with Maven: minutes) and ready line.
  const kafka = await startKafka({
    dataDir: dir,
    port,
    log: (m) => say(m),
    jvmArgs: ['-XX:TieredStopAtLevel=4', '-XX:CICompilerCount=2'],
    // The controller appends a no-op record to the metadata log every 500 ms by default (so that
    // brokers see the log advance); on this single node each one is a raft append + flush that kept
    // the broker's raft thread the busiest at rest. Every 5 s is plenty for one node.
    brokerProps: { 'metadata.max.idle.interval.ms': 5000 },
  });
  cleanups.push(() => kafka.stop());
  const running = () => ({ pid: kafka.pid, exited: kafka.exited.then(describeExit), stop: () => kafka.stop() });
  addUnit({
    name: 'Kafka',
    kind: 'infra',
    port,
    current: running(),
    // The launcher relaunches on the same ports, data and cluster id; the apps' clients reconnect.
    start: async () => {
      await kafka.restart();
      say(`Kafka ready again on ${kafka.brokers} (pid ${kafka.pid})`);
      return running();
    },
  });
  return kafka.brokers;
}

async function startPostgresUnit(port) {
  const dir = path.join(dataDir, 'postgres');
  say(`starting PostgreSQL (data in ${shortPath(dir)})…`);
  let pg = await startPostgres({ dataDir: dir, port });
  cleanups.push(() => pg.stop());
  const running = () => ({ pid: pg.pid, exited: pg.exited.then(describeExit), stop: () => pg.stop() });
  addUnit({
    name: 'PostgreSQL',
    kind: 'infra',
    port,
    current: running(),
    start: async () => {
      pg = await startPostgres({ dataDir: dir, port });
      say(`PostgreSQL ready again on 127.0.0.1:${port} (pid ${pg.pid})`);
      return running();
    },
  });
  say(`PostgreSQL ready on 127.0.0.1:${port} (pid ${pg.pid})`);
  return pg.url;
}

/** Spawns one built app; resolves once its /health answers 200 (or, on a restart, at once). */
async function startApp(app, port, env, { restart = false } = {}) {
  const child = spawn(process.execPath, [path.join(root, 'dist', 'apps', app, 'main.js')], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const running = {
    pid: child.pid,
    exited: exited.then(describeExit),
    stop: () => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
      child.kill('SIGTERM');
      return exited.then(() => clearTimeout(timer));
    },
  };
  liveApps.add(running);
  void exited.then(() => liveApps.delete(running));
  const url = `http://${env.HOST === '0.0.0.0' || !env.HOST ? '127.0.0.1' : env.HOST}:${port}/health`;
  const healthy = waitHealthy(url, child);
  if (restart) {
    // Its dependencies may still be coming back (a restarted broker): report, do not block supervision.
    healthy.then((ok) => ok && !stopping && say(`${app} healthy again (pid ${child.pid})`));
    say(`${app} restarted (pid ${child.pid})`);
    return running;
  }
  if (!(await healthy)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new StartError(`${app} ${describeExit(await exited)} during start; its output above says why`);
    }
    throw new StartError(`${app} did not become healthy at ${url} within ${HEALTH_TIMEOUT_MS / 1000} s`);
  }
  say(`${app} healthy (pid ${child.pid})`);
  return running;
}

async function waitHealthy(url, child) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline && !stopping) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return true;
    await sleep(250);
  }
  return false;
}

async function main() {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  const env = { ...process.env };
  const host = env.HOST || '127.0.0.1';

  // 1. Everything that can be checked without starting anything.
  fs.mkdirSync(dataDir, { recursive: true });
  const previous = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : 0;
  if (previous && previous !== process.pid && alive(previous)) {
    throw new StartError(`another npm start (pid ${previous}) is running on ${dataDir}; stop it with npm stop`);
  }
  await stopLeftoverApps();
  const ports = APPS.map(([app, variable, fallback]) => ({ name: app, variable, port: readPort(env, variable, fallback), host }));
  if (!env.KAFKA_BROKERS) ports.push({ name: 'kafka', variable: 'STACK_KAFKA_PORT', port: readPort(env, 'STACK_KAFKA_PORT', 9092), host: '127.0.0.1' });
  if (!env.DATABASE_URL)
    ports.push({ name: 'postgres', variable: 'STACK_POSTGRES_PORT', port: readPort(env, 'STACK_POSTGRES_PORT', 54329), host: '127.0.0.1' });
  const portOf = (name) => ports.find((p) => p.name === name)?.port;
  const seen = new Map();
  for (const p of ports) {
    if (seen.has(p.port)) throw new StartError(`${p.variable}=${p.port} is also ${seen.get(p.port)}=${p.port}: every port must differ`);
    seen.set(p.port, p.variable);
  }
  if (!env.ADMIN_TOKEN) env.ADMIN_TOKEN = randomBytes(24).toString('base64url');
  checkEnvironment({
    ...env,
    KAFKA_BROKERS: env.KAFKA_BROKERS || `127.0.0.1:${portOf('kafka')}`,
    DATABASE_URL: env.DATABASE_URL || `postgres://postgres:postgres@127.0.0.1:${portOf('postgres')}/es`,
  });
  const taken = [];
  for (const p of ports) {
    if ((p.name === 'kafka' || p.name === 'postgres') && leftoverOnPort(p.name, p.port)) continue;
    if (!(await portFree(p.port, p.host))) taken.push(`${p.variable}=${p.port} is taken by another process`);
  }
  if (taken.length > 0) throw new StartError(`${taken.join('; ')} (choose another port with that variable)`);
  fs.writeFileSync(pidFile, String(process.pid));
  ownsPidFile = true;

  // 2. Infrastructure, then the apps in order.
  if (!env.KAFKA_BROKERS) env.KAFKA_BROKERS = await startKafkaUnit(portOf('kafka'));
  else say(`Kafka: ${env.KAFKA_BROKERS} (KAFKA_BROKERS)`);
  if (stopping) return;
  if (!env.DATABASE_URL) env.DATABASE_URL = await startPostgresUnit(portOf('postgres'));
  else say(`PostgreSQL: ${new URL(env.DATABASE_URL).host} (DATABASE_URL)`);
  if (stopping) return;
  writeState();

  if (env.STACK_SKIP_BUILD === '1') {
    say('using the existing build (STACK_SKIP_BUILD=1)');
  } else {
    say('building apps (nx run-many -t build, cached)…');
    const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--parallel=2', '--outputStyle=static'], {
      cwd: root,
      env: { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (build.status !== 0) throw new StartError('the build failed (npx nx run-many -t build shows why)');
  }
  for (const [app] of APPS) {
    if (!fs.existsSync(path.join(root, 'dist', 'apps', app, 'main.js'))) throw new StartError(`dist/apps/${app}/main.js is missing: build the apps`);
  }

  for (const [app, variable] of APPS) {
    if (stopping) return;
    const port = portOf(app);
    const appEnv = { ...env, [variable]: String(port) };
    const start = (options) => startApp(app, port, appEnv, options);
    const current = await start();
    addUnit({ name: app, kind: 'app', port, current, start });
    writeState();
  }
  for (const unit of units) void supervise(unit);

  const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
  say('ready:');
  say(`  command API  http://${shown}:${portOf('command-api')}   (OpenAPI: /docs)`);
  say(`  query API    http://${shown}:${portOf('query-api')}   (OpenAPI: /docs)`);
  say(`  console      http://${shown}:${portOf('query-api')}/console   (operations console; admin token below)`);
  say(`  health       /health and /metrics on every app: ${APPS.map(([app]) => `${app} ${portOf(app)}`).join(', ')}`);
  say(`  admin token  ${process.env.ADMIN_TOKEN ? '(from ADMIN_TOKEN)' : env.ADMIN_TOKEN}`);
  say(`Ctrl-C (or npm stop, or kill -TERM ${process.pid}) stops everything; crashed processes are restarted.`);
}

main().catch(fail);
