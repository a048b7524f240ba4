// @ts-check
'use strict';
const fs = require('node:fs');
const net = require('node:net');

/**
 * The one way this repository picks a port for a server it starts on its own (a throwaway broker or
 * PostgreSQL, an app under test, a supervisor test's whole stack).
 *
 * Why not `listen(0)`: the kernel answers with a port from its ephemeral range, the same range it
 * takes the local port of every outgoing connection from. Between our pick and the server's bind
 * (seconds, for a broker or PostgreSQL), any client on the machine (a test's kafkajs producer, a
 * broker's own replica fetcher, a node-postgres pool) could be handed that port, and the server
 * dies on EADDRINUSE: the supervisor test failed in CI that way ("embedded PostgreSQL exited during
 * start (port 39239 taken?)"). Ports below the ephemeral range are never given to outgoing
 * connections, so only another listener can take them: we pick at random there and check.
 */
const FLOOR = 10000;
/** Handed out by this process lately: a random pick must not return one twice before it is bound. */
const recent = new Set();

/** @returns {[number, number]} the kernel's ephemeral range (Linux), or the IANA one elsewhere */
function ephemeralRange() {
  try {
    const [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low > 0 && high >= low) return [low, high];
  } catch {
    // not Linux: fall through
  }
  return [49152, 65535];
}

/**
 * @param {number} port
 * @param {string} [host]
 * @returns {Promise<boolean>} whether a server could listen on it now (exclusively)
 */
function portFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** @param {string} host @returns {Promise<number>} */
function kernelPort(host) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port free on `host` now, below the kernel's ephemeral range when there is room there.
 * @param {string} [host]
 * @returns {Promise<number>}
 */
async function freePort(host = '127.0.0.1') {
  const [ephemeralLow] = ephemeralRange();
  const top = ephemeralLow - 1;
  if (top - FLOOR >= 1000) {
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = FLOOR + Math.floor(Math.random() * (top - FLOOR + 1));
      if (recent.has(port) || !(await portFree(port, host))) continue;
      remember(port);
      return port;
    }
  }
  const port = await kernelPort(host);
  remember(port);
  return port;
}

/** @param {number} port */
function remember(port) {
  recent.add(port);
  if (recent.size > 1000) recent.delete(/** @type {number} */ (recent.values().next().value));
}

module.exports = { freePort, portFree, ephemeralRange };
