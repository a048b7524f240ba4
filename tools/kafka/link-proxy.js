#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * The network between the nodes of a test cluster, made cuttable: a network partition on one machine, without
 * root, iptables or namespaces (startKafkaCluster({ links: true }), tools/kafka/README.md).
 *
 * Every node resolves the other nodes' names through its own hosts file (`-Djdk.net.hosts.file`): node j sees
 * `kafka-node-k` at 127.0.j.k, where this process listens on node k's inter-broker and controller ports and
 * forwards to node k on 127.0.0.1. So each ordered pair of nodes (j → k) has its own links, and cutting the
 * links of j → k and k → j partitions the two nodes while both stay reachable by clients, who connect to the
 * nodes' client listener directly.
 *
 * A cut link behaves like a network that drops packets, not like a dead host: nothing is refused or reset.
 * Open connections stop carrying bytes in both directions (nothing is read, so the senders' buffers fill and
 * their writes stall, and a close is not seen) and new connections are accepted but not connected onward. On
 * heal the held bytes flow and the held connections connect, as TCP's retransmissions would deliver them after
 * a partition shorter than its give-up time; a side that closed meanwhile closes the other then.
 *
 * Run as a child process (fork) so that replication never waits for the test's own event loop; the parent
 * sends { id, listen: Link[] } | { id, cut: [from, to][] } | { id, heal: [from, to][] | 'all' } and gets
 * { id, ok: true } or { id, error }. The process exits when its parent disconnects.
 */

const net = require('net');

/** @typedef {{ from: number, to: number, host: string, port: number, targetPort: number }} Link */
/** A proxied connection; `pending`: accepted while its link was cut, connected onward on heal. @typedef {{ key: string, down: net.Socket, up: net.Socket | null, closed: boolean, pending?: Link }} Conn */
/** @typedef {{ _handle?: { reading: boolean, readStart(): number, readStop(): number } }} SocketInternals */

/**
 * Stop reading the socket at the OS level. pause() alone stops 'data' but not the read: Node still reads into
 * the stream and reports the peer's close ('end'), which a cut network would not carry.
 * @param {net.Socket} socket
 */
function hold(socket) {
  socket.pause();
  const handle = /** @type {SocketInternals} */ (/** @type {unknown} */ (socket))._handle;
  if (handle?.reading) {
    handle.reading = false;
    handle.readStop();
  }
}

/** @param {net.Socket} socket */
function release(socket) {
  const handle = /** @type {SocketInternals} */ (/** @type {unknown} */ (socket))._handle;
  if (handle && !handle.reading && !socket.destroyed) {
    handle.reading = true;
    handle.readStart();
  }
  socket.resume();
}

function createLinkProxies() {
  /** @type {Set<string>} "from>to" of the cut links */
  const cut = new Set();
  /** @type {Map<string, Set<Conn>>} */
  const conns = new Map();
  /** @type {net.Server[]} */
  const servers = [];

  /** @param {Conn} c */
  const connectUp = (c, /** @type {Link} */ link) => {
    const up = net.connect({ host: '127.0.0.1', port: link.targetPort });
    c.up = up;
    up.setNoDelay(true);
    forward(c, c.down, up);
    forward(c, up, c.down);
  };

  /**
   * Bytes from src to dst while the link is up; while it is cut, src is not read (paused by cutLinks).
   * @param {Conn} c @param {net.Socket} src @param {net.Socket} dst
   */
  const forward = (c, src, dst) => {
    src.on('data', (chunk) => {
      if (!dst.write(chunk)) {
        src.pause();
        dst.once('drain', () => {
          if (!cut.has(c.key)) src.resume();
        });
      }
    });
    src.on('end', () => dst.end());
    src.on('error', () => undefined);
    src.on('close', () => {
      // A side that went away while the link is cut: the other side learns it on heal.
      if (!cut.has(c.key)) close(c);
      else c.closed = true;
    });
  };

  /** @param {Conn} c */
  const close = (c) => {
    c.down.destroy();
    c.up?.destroy();
    conns.get(c.key)?.delete(c);
  };

  /** @param {Link} link */
  const listen = (link) =>
    new Promise((resolve, reject) => {
      const key = `${link.from}>${link.to}`;
      if (!conns.has(key)) conns.set(key, new Set());
      const server = net.createServer((down) => {
        down.setNoDelay(true);
        const c = /** @type {Conn} */ ({ key, down, up: null, closed: false });
        conns.get(key)?.add(c);
        if (cut.has(key)) {
          // accepted, as a SYN that got through would never be; but no byte reaches the other node until heal
          hold(down);
          down.on('error', () => undefined);
          down.once('close', () => (c.closed = true));
          c.pending = link;
        } else {
          connectUp(c, link);
        }
      });
      server.once('error', reject);
      server.listen(link.port, link.host, () => resolve(undefined));
      servers.push(server);
    });

  /** @param {[number, number][]} pairs */
  const cutLinks = (pairs) => {
    for (const [from, to] of pairs) {
      const key = `${from}>${to}`;
      cut.add(key);
      for (const c of conns.get(key) || []) {
        hold(c.down);
        if (c.up) hold(c.up);
      }
    }
  };

  /** @param {[number, number][] | 'all'} pairs */
  const healLinks = (pairs) => {
    const keys = pairs === 'all' ? [...cut] : pairs.map(([from, to]) => `${from}>${to}`);
    for (const key of keys) {
      cut.delete(key);
      for (const c of [...(conns.get(key) || [])]) {
        if (c.closed) {
          close(c);
          continue;
        }
        const pending = c.pending;
        if (pending) {
          delete c.pending;
          c.down.removeAllListeners('close');
          release(c.down);
          connectUp(c, pending);
        } else {
          release(c.down);
          if (c.up) release(c.up);
        }
      }
    }
  };

  return {
    listen: async (/** @type {Link[]} */ links) => {
      for (const link of links) await listen(link);
    },
    cut: cutLinks,
    heal: healLinks,
    close: () => {
      for (const s of servers) s.close();
      for (const set of conns.values()) for (const c of set) close(c);
    },
  };
}

if (require.main === module) {
  const proxies = createLinkProxies();
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (/** @type {any} */ m) => {
    try {
      if (m.listen) await proxies.listen(m.listen);
      if (m.cut) proxies.cut(m.cut);
      if (m.heal) proxies.heal(m.heal);
      process.send?.({ id: m.id, ok: true });
    } catch (e) {
      process.send?.({ id: m.id, error: String(/** @type {any} */ (e)?.message || e) });
    }
  });
}

module.exports = { createLinkProxies };
