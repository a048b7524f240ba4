'use strict';
const net = require('node:net');

function tcpProbe(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function pidAlive(pid) {
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function assertKafkaReachable(brokers, { pid } = {}) {
  if (pid && !pidAlive(pid)) {
    throw new Error(`the Kafka broker started for this test run (pid ${pid}) is no longer running: it was stopped or killed during the run`);
  }
  const [host, port] = brokers.split(',')[0].split(':');
  if (!(await tcpProbe(host, Number(port), 3000))) {
    throw new Error(`Kafka is not reachable at ${brokers}: the broker is down (stopped or killed during the run?)`);
  }
}

async function assertPostgresReachable(url) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${new URL(url).host}: ${error.message}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

module.exports = { assertKafkaReachable, assertPostgresReachable, pidAlive };
