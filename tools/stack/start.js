'use strict';
/**
 * `npm start`: the whole system on one machine. Brings up Kafka and PostgreSQL (local defaults
 * under .data/ unless KAFKA_BROKERS / DATABASE_URL say otherwise), builds and starts the six apps
 * (they provision topics and run migrations at boot, idempotently), prints the URLs and the admin
 * token, and stops everything cleanly on Ctrl-C. A second `npm start` finds its data again.
 */
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const path = require('node:path');
const { startKafka } = require('../kafka/launcher');
const { startPostgres } = require('../postgres/launcher');

const root = path.join(__dirname, '..', '..');
const dataDir = path.join(root, '.data');
// Order matters only for a calm first boot: the processor provisions topics, projectors migrate.
const APPS = [
  ['command-processor', 'COMMAND_PROCESSOR_PORT', 3010],
  ['orders-projector', 'ORDERS_PROJECTOR_PORT', 3011],
  ['inventory-projector', 'INVENTORY_PROJECTOR_PORT', 3012],
  ['fulfillment-saga', 'FULFILLMENT_SAGA_PORT', 3013],
  ['query-api', 'QUERY_API_PORT', 3001],
  ['command-api', 'COMMAND_API_PORT', 3000],
];
const say = (message) => process.stdout.write(`[stack] ${message}\n`);

async function main() {
  const cleanups = [];
  const children = [];
  let stopping = false;
  const stopAll = async (code) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
            child.once('exit', () => (clearTimeout(timer), resolve()));
            child.kill('SIGTERM');
          }),
      ),
    );
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => say(`cleanup failed: ${e.message}`));
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const env = { ...process.env };
  if (!env.KAFKA_BROKERS) {
    say('starting Kafka (data in .data/kafka)…');
    const kafka = await startKafka({ dataDir: path.join(dataDir, 'kafka'), port: 9092, log: (m) => say(m), jvmArgs: ['-XX:TieredStopAtLevel=4', '-XX:CICompilerCount=2'] });
    cleanups.push(() => kafka.stop());
    env.KAFKA_BROKERS = kafka.brokers;
  }
  say(`Kafka: ${env.KAFKA_BROKERS}`);
  if (!env.DATABASE_URL) {
    say('starting PostgreSQL (data in .data/postgres)…');
    const pg = await startPostgres({ dataDir: path.join(dataDir, 'postgres'), port: 54329 });
    cleanups.push(() => pg.stop());
    env.DATABASE_URL = pg.url;
  }
  say(`PostgreSQL: ${new URL(env.DATABASE_URL).host}`);
  if (!env.ADMIN_TOKEN) env.ADMIN_TOKEN = randomBytes(24).toString('base64url');

  say('building apps (nx run-many -t build, cached)…');
  const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--parallel=2', '--outputStyle=static'], {
    cwd: root,
    env: { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (build.status !== 0) {
    say('build failed');
    return stopAll(1);
  }

  for (const [app, portVariable, defaultPort] of APPS) {
    const port = env[portVariable] || String(defaultPort);
    const child = spawn(process.execPath, [path.join(root, 'dist', 'apps', app, 'main.js')], {
      cwd: root,
      env: { ...env, [portVariable]: port },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    child.once('exit', (code, signal) => {
      if (!stopping) {
        say(`${app} exited (${signal ?? code}); stopping the stack`);
        void stopAll(1);
      }
    });
    await waitHealthy(`http://${env.HOST || '127.0.0.1'}:${port}/health`, app, child);
  }
  const host = env.HOST || '127.0.0.1';
  say('ready:');
  say(`  command API  http://${host}:${env.COMMAND_API_PORT || 3000}   (OpenAPI: /docs)`);
  say(`  query API    http://${host}:${env.QUERY_API_PORT || 3001}   (OpenAPI: /docs)`);
  say(`  health       /health and /metrics on every app (ports 3000, 3001, 3010–3013)`);
  say(`  admin token  ${process.env.ADMIN_TOKEN ? '(from ADMIN_TOKEN)' : env.ADMIN_TOKEN}`);
  say('Ctrl-C stops everything.');
}

async function waitHealthy(url, app, child) {
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${app} exited during start`);
    const ok = await fetch(url).then((r) => r.status === 200, () => false);
    if (ok) return say(`${app} healthy`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${app} did not become healthy at ${url}`);
}

main().catch((error) => {
  say(`failed: ${error.message}`);
  process.kill(process.pid, 'SIGTERM');
});
