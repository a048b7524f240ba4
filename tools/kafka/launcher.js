#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Local Apache Kafka launcher (no Docker): a single-node KRaft broker (combined broker+controller) run from the
 * broker jars resolved from Maven Central by tools/kafka/pom.xml.
 *
 * Library (CommonJS; Node built-ins, and kafkajs for the readiness probe):
 *   const { ensureKafkaJars, startKafka, resolveKafka, registerCleanup, DEFAULT_KAFKA_VERSION } = require('./tools/kafka/launcher');
 *   const kafka = await startKafka({ dataDir: '.data/kafka-test', port: 0 });
 *   kafka.brokers  // '127.0.0.1:<port>'
 *   await kafka.stop();
 *
 * CLI:
 *   node tools/kafka/launcher.js start [--data-dir .data/kafka] [--port 9092] [--kafka-version X] [--heap-mb 512] [--log-level WARN]
 *   node tools/kafka/launcher.js start --brokers 3 [--data-dir .data/kafka-cluster]   (one KRaft cluster of 3 nodes)
 *   node tools/kafka/launcher.js fetch [--kafka-version X]
 *   node tools/kafka/launcher.js stop  [--data-dir .data/kafka]
 *
 * See tools/kafka/README.md for the version choice and the broker settings.
 */

const fs = require('fs');
const fsp = require('fs/promises');
const path = require('path');
const { createHash, randomBytes } = require('crypto');
const { spawn } = require('child_process');
const { parseArgs } = require('util');
const { spawnParentWatchdog } = require('../process/parent-watchdog');
const { freePort, portFree } = require('../process/free-port');

/** Newest Kafka release with which kafkajs 2.2.4 passed the compatibility check (tools/kafka/README.md). */
const DEFAULT_KAFKA_VERSION = '4.4.0';

const TOOLS_DIR = __dirname;
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const POM = path.join(TOOLS_DIR, 'pom.xml');
const LOG4J_CONFIG = path.join(TOOLS_DIR, 'log4j2.properties');
const DEFAULT_DATA_DIR = path.join(REPO_ROOT, '.data', 'kafka');
const NODE_ID = 1;
const MARKER = '.complete';

/** @typedef {((msg: string) => void) | false | null | undefined | { log(msg: string): void }} LogOption */
/** @typedef {{ code: number | null, signal: NodeJS.Signals | null, error?: Error }} ExitInfo */
/**
 * A running broker (startKafka) or, with `external: true`, the brokers of KAFKA_BROKERS (resolveKafka).
 * @typedef {object} KafkaHandle
 * @property {string} brokers            '127.0.0.1:<port>'
 * @property {string} host
 * @property {number} port
 * @property {number} controllerPort
 * @property {number} [nodeId]
 * @property {number} pid
 * @property {string} dataDir
 * @property {string} version
 * @property {string} clusterId
 * @property {boolean} owned             false: a broker of another process, reused (stop() leaves it running)
 * @property {number} startupMs
 * @property {string} logFile
 * @property {Promise<ExitInfo>} exited
 * @property {() => Promise<void>} stop
 * @property {() => Promise<void>} kill
 * @property {(o?: { kill?: boolean }) => Promise<KafkaHandle>} restart
 * @property {boolean} [external]
 */

function cacheRoot() {
  return process.env.KAFKA_CACHE_DIR ? path.resolve(process.env.KAFKA_CACHE_DIR) : path.join(REPO_ROOT, '.cache', 'kafka');
}

function javaBin() {
  if (process.env.KAFKA_JAVA) return process.env.KAFKA_JAVA;
  if (process.env.JAVA_HOME) return path.join(process.env.JAVA_HOME, 'bin', 'java');
  return 'java';
}

/**
 * @param {LogOption} log
 * @returns {(msg: string) => void}
 */
function makeLog(log) {
  if (typeof log === 'function') return log;
  if (log === false || log === null) return () => {};
  if (log && typeof log === 'object' && typeof log.log === 'function') return (msg) => log.log(msg);
  return (msg) => process.stderr.write(`[kafka] ${msg}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return e.code === 'EPERM';
  }
  // A zombie still answers kill(0); treat it as dead.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    /* no procfs: trust kill(0) */
  }
  return true;
}

function cmdlineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return null;
  }
}

function tail(file, lines = 30) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trim();
  } catch {
    return '';
  }
}

function pomHash() {
  return createHash('sha256').update(fs.readFileSync(POM)).digest('hex').slice(0, 16);
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    let out = '';
    let child;
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    } catch (e) {
      reject(e);
      return;
    }
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => reject(Object.assign(e, { output: out })));
    child.on('close', (code, signal) => resolve({ code, signal, output: out }));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Jars
// ---------------------------------------------------------------------------------------------------------------

const jarPromises = new Map();

/**
 * Resolves the broker classpath once into <repo>/.cache/kafka/<version>/ (KAFKA_CACHE_DIR overrides the root).
 * A marker file (.complete, holding a hash of pom.xml) is written last, so a half-finished copy or a changed pom
 * is resolved again. Returns the directory (use `<dir>/*` as the classpath).
 * @param {{ version?: string, log?: LogOption }} [o]
 * @returns {Promise<string>}
 */
async function ensureKafkaJars({ version = DEFAULT_KAFKA_VERSION, log } = {}) {
  const key = `${cacheRoot()}|${version}`;
  if (!jarPromises.has(key)) {
    const p = doEnsureKafkaJars(version, makeLog(log));
    jarPromises.set(key, p);
    p.finally(() => jarPromises.delete(key)).catch(() => {}); // dedupes concurrent calls only
  }
  return jarPromises.get(key);
}

function jarsComplete(dir, hash) {
  try {
    const marker = JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8'));
    return marker.pomHash === hash && marker.jars.every((j) => fs.existsSync(path.join(dir, j)));
  } catch {
    return false;
  }
}

async function doEnsureKafkaJars(version, log) {
  if (!/^[0-9A-Za-z.+-]+$/.test(version)) throw new Error(`invalid Kafka version "${version}"`);
  const dir = path.join(cacheRoot(), version);
  const hash = pomHash();
  if (jarsComplete(dir, hash)) return dir;

  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await fsp.mkdir(tmp, { recursive: true });
  const t0 = Date.now();
  log(`resolving Kafka ${version} jars with Maven into ${dir} ...`);
  const mvn = process.env.KAFKA_MVN || 'mvn';
  const args = [
    '-q',
    '-B',
    '-Dstyle.color=never',
    '-f',
    POM,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${tmp}`,
    '-DincludeScope=runtime',
    `-Dkafka.version=${version}`,
  ];
  let res;
  try {
    res = await run(mvn, args, { cwd: REPO_ROOT });
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw new Error(`could not run Maven ("${mvn}"): ${e.message}. Install Maven 3 (apt-get install maven) or set KAFKA_MVN.`, { cause: e });
  }
  if (res.code !== 0) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw new Error(`Maven failed to resolve Kafka ${version} (exit ${res.code}):\n${res.output.trim().slice(-4000)}`);
  }
  const jars = (await fsp.readdir(tmp)).filter((f) => f.endsWith('.jar')).sort();
  if (!jars.some((j) => /^kafka_2\.1[23]-/.test(j))) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw new Error(`Maven produced no kafka_2.13 jar for ${version}:\n${res.output.trim().slice(-2000)}`);
  }
  await fsp.writeFile(path.join(tmp, MARKER), JSON.stringify({ version, pomHash: hash, jars, resolvedAt: new Date().toISOString() }, null, 2));
  // Another process may have finished first: keep its copy.
  if (jarsComplete(dir, hash)) {
    await fsp.rm(tmp, { recursive: true, force: true });
    return dir;
  }
  await fsp.rm(dir, { recursive: true, force: true });
  try {
    await fsp.rename(tmp, dir);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    if (!jarsComplete(dir, hash)) throw e;
  }
  log(`resolved ${jars.length} jars for Kafka ${version} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return dir;
}

// ---------------------------------------------------------------------------------------------------------------
// Ports, readiness (kafkajs admin: ApiVersions + Metadata)
// ---------------------------------------------------------------------------------------------------------------

/**
 * One readiness probe with the kafkajs admin client, no retries: connecting sends ApiVersions to this port (a KRaft
 * broker only starts processing requests once it is registered and unfenced), then Metadata must list our node and,
 * when given, our cluster id (so another broker that grabbed the port is not mistaken for ours).
 *
 * @param {string} host
 * @param {number} port
 * @param {number} [timeoutMs] connection and request timeout
 * @param {string | null} [expectedClusterId]
 * @param {number} [nodeId]
 * @returns {Promise<{ ready: boolean, reason: string, clusterId?: string }>}
 */
async function probeBroker(host, port, timeoutMs = 3000, expectedClusterId = null, nodeId = NODE_ID) {
  // Loaded on first use: the jar/CLI paths (`fetch`, `stop`) do not need it.
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({
    clientId: 'local-kafka-launcher',
    brokers: [`${host}:${port}`],
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const { brokers, clusterId } = await admin.describeCluster();
    if (!brokers.some((b) => b.nodeId === nodeId)) return { ready: false, reason: 'broker not yet in metadata' };
    if (expectedClusterId && clusterId !== expectedClusterId) {
      return { ready: false, reason: `another cluster (${clusterId}) answers on port ${port}` };
    }
    return { ready: true, reason: `metadata lists broker ${nodeId}`, clusterId };
  } catch (e) {
    return { ready: false, reason: e.code || e.message };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Broker configuration
// ---------------------------------------------------------------------------------------------------------------

function majorOf(version) {
  return parseInt(String(version).split('.')[0], 10) || 0;
}

/**
 * The broker settings (single node, event sourcing). Overrides come from `brokerProps`. A node of a cluster
 * (startKafkaCluster) passes its `nodeId` and the static `quorumVoters` of every node.
 */
function brokerProperties({ dataDir, port, controllerPort, version, brokerProps = {}, nodeId = NODE_ID, quorumVoters, internal }) {
  const props = {
    // --- KRaft, one node that is broker and controller ---
    'process.roles': 'broker,controller',
    'node.id': String(nodeId),
    'controller.quorum.voters': quorumVoters || `${nodeId}@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    // (startKafkaCluster links) the nodes replicate over a listener of their own, advertised under a name that
    // each node resolves to its own link to this node (tools/kafka/link-proxy.js); clients keep PLAINTEXT
    ...(internal && {
      listeners: `PLAINTEXT://127.0.0.1:${port},INTERNAL://127.0.0.1:${internal.port},CONTROLLER://127.0.0.1:${controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},INTERNAL://${internal.host}:${internal.port}`,
      'inter.broker.listener.name': 'INTERNAL',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
    }),
    'log.dirs': path.join(dataDir, 'logs'),
    // --- small footprint on a 2-core machine ---
    'num.network.threads': '2',
    'num.io.threads': '4',
    'num.recovery.threads.per.data.dir': '1',
    'background.threads': '4',
    'log.cleaner.threads': '1',
    'log.cleaner.dedupe.buffer.size': String(16 * 1024 * 1024),
    // --- topics are created explicitly, events are never deleted ---
    'auto.create.topics.enable': 'false',
    'delete.topic.enable': 'true',
    'num.partitions': '1',
    'default.replication.factor': '1',
    'min.insync.replicas': '1',
    'log.retention.ms': '-1',
    'log.retention.bytes': '-1',
    'log.cleaner.enable': 'true',
    // committed consumer-group offsets (projection positions) must not expire after the 7-day default
    'offsets.retention.minutes': String(10 * 365 * 24 * 60),
    // --- internal topics on one node, few partitions so first use is fast ---
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '4',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '4',
    // --- fast tests ---
    'group.initial.rebalance.delay.ms': '0',
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': '5000',
    // The broker's own requests to other brokers (transaction markers above all) wait this long for a
    // broker that stopped answering: with the default 30 s, a transaction coordinator sent the markers
    // of a transaction to the paused leader of one of its partitions and retried them at the new leader
    // only 30 s later; the partition's producer was refused (CONCURRENT_TRANSACTIONS) all that time
    // (fault tier (i): a command partition served again after 39.9 s)
    'request.timeout.ms': '10000',
    // after a hard kill the restarted broker must wait for its old registration's session to expire before it can
    // register again (DUPLICATE_BROKER_REGISTRATION): 9s by default, ~4s with these
    'broker.heartbeat.interval.ms': '1000',
    'broker.session.timeout.ms': '4000',
  };
  if (majorOf(version) >= 4) {
    props['share.coordinator.state.topic.replication.factor'] = '1';
    props['share.coordinator.state.topic.min.isr'] = '1';
    props['share.coordinator.state.topic.num.partitions'] = '1';
  }
  for (const [k, val] of Object.entries(brokerProps)) {
    if (val === undefined || val === null) delete props[k];
    else props[k] = String(val);
  }
  return props;
}

function toProperties(props) {
  const esc = (s) => String(s).replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return (
    '# Generated by tools/kafka/launcher.js on every start; edits are overwritten (use the brokerProps option).\n' +
    Object.entries(props)
      .map(([k, v]) => `${k}=${esc(v)}`)
      .join('\n') +
    '\n'
  );
}

/** Kafka's Uuid.randomUuid().toString(): 16 random bytes, URL-safe base64 without padding. */
function randomClusterId() {
  // One id in 64 starts with '-', which kafka-storage's argument parser reads as an option
  // ("-t -s07i…: expected one argument"); draw again.
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function jvmArgs({ heapMb, dataDir, logLevel }) {
  const xms = Math.min(256, heapMb);
  return [
    `-Xms${xms}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:TieredStopAtLevel=1',
    '-XX:CICompilerCount=1',
    '-Xshare:auto',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    '-Dlog4j2.disable.jmx=true',
    `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
    `-Dkafka.logs.dir=${dataDir}`,
    `-Dkafka.log.level=${logLevel}`,
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// State files in dataDir
// ---------------------------------------------------------------------------------------------------------------

function files(dataDir) {
  return {
    logs: path.join(dataDir, 'logs'),
    meta: path.join(dataDir, 'logs', 'meta.properties'),
    props: path.join(dataDir, 'server.properties'),
    clusterId: path.join(dataDir, 'cluster.id'),
    pid: path.join(dataDir, 'kafka.pid'),
    state: path.join(dataDir, 'launcher.json'),
    out: path.join(dataDir, 'kafka.out'),
    log: path.join(dataDir, 'server.log'),
  };
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** The broker recorded in dataDir's pid file, if that process is still a running kafka.Kafka on this dataDir. */
function runningBroker(dataDir) {
  const f = files(dataDir);
  const info = readJson(f.pid);
  if (!info || !info.pid || !isAlive(info.pid)) return null;
  const cmd = cmdlineOf(info.pid);
  if (cmd && !(cmd.includes('kafka.Kafka') && cmd.includes(f.props))) return null; // pid reused by something else
  return info;
}

async function waitForExit(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/**
 * @param {number} pid
 * @param {{ timeoutMs?: number, log?: (msg: string) => void }} [o]
 */
async function terminate(pid, { timeoutMs = 30000, log = () => {} } = {}) {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  if (await waitForExit(pid, timeoutMs)) return;
  log(`broker pid ${pid} did not stop within ${timeoutMs}ms, sending SIGKILL`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  await waitForExit(pid, 10000);
}

// ---------------------------------------------------------------------------------------------------------------
// Cleanup on process exit / signals
// ---------------------------------------------------------------------------------------------------------------

const cleanupHandles = new Set();
let cleanupInstalled = false;

function onProcessExit() {
  for (const h of cleanupHandles) {
    if (h.pid && isAlive(h.pid)) {
      try {
        process.kill(h.pid, 'SIGTERM'); // the broker finishes its controlled shutdown on its own
      } catch {
        /* gone */
      }
    }
  }
}

/** @param {NodeJS.Signals} signal */
function onSignal(signal) {
  // The application handles this signal itself: it decides the order (e.g. stop the apps, then the broker) and
  // exits; our 'exit' handler (and the watchdog) still stop the broker if it forgets.
  if (process.listenerCount(signal) > 1) return;
  const handles = [...cleanupHandles];
  Promise.allSettled(handles.map((h) => h.stop())).then(() => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.kill(process.pid, signal); // the default action: exit with 128+signo
  });
}

/**
 * Makes sure the broker of `handle` is stopped when this process ends: on 'exit' it is sent SIGTERM (it completes
 * its controlled shutdown alone, in about half a second). With `signals` (default true), a SIGINT/SIGTERM that no
 * other listener handles stop()s the broker and then re-raises the signal (so the process still dies of it); when
 * the application has its own listener, it is left to the application (and to the 'exit' handler).
 * startKafka() calls this unless `cleanup: false`. Returns a function that unregisters the handle.
 */
function registerCleanup(handle, { signals = true } = {}) {
  cleanupHandles.add(handle);
  if (!cleanupInstalled) {
    cleanupInstalled = true;
    process.on('exit', onProcessExit);
  }
  if (signals) {
    for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
      if (!process.listeners(sig).includes(onSignal)) process.on(sig, onSignal);
    }
  }
  return () => cleanupHandles.delete(handle);
}

// ---------------------------------------------------------------------------------------------------------------
// startKafka
// ---------------------------------------------------------------------------------------------------------------

/**
 * Starts (formatting storage on first use) a single-node KRaft broker on 127.0.0.1 and waits until it is ready.
 *
 * @param {object}  [o]
 * @param {string}  [o.dataDir]        default <repo>/.data/kafka; holds logs/, server.properties, cluster.id,
 *                                     server.log (log4j), kafka.out (JVM stdout/stderr), kafka.pid, launcher.json
 * @param {number}  [o.port]           broker port; 0/undefined: the port used last time for this dataDir if free,
 *                                     else a free one
 * @param {number}  [o.controllerPort] same rule
 * @param {string}  [o.version]        Kafka version, default DEFAULT_KAFKA_VERSION (or env KAFKA_VERSION)
 * @param {LogOption} [o.log]         progress logger (default: stderr with a [kafka] prefix)
 * @param {number}  [o.heapMb=512]
 * @param {string}  [o.logLevel]       broker log level in server.log, default env KAFKA_LOG_LEVEL or WARN
 * @param {Record<string, string | number | boolean | null | undefined>} [o.brokerProps] extra/overriding server.properties entries (null removes one)
 * @param {string[]} [o.jvmArgs]       extra JVM arguments, after ours (later flags win)
 * @param {'stop'|'reuse'|'fail'} [o.ifRunning='stop'] a broker from this dataDir whose owner process is still
 *                                     alive: 'reuse' returns a non-owning handle (stop() leaves it running),
 *                                     'stop' stops it first, 'fail' throws. An orphan (owner gone) is always stopped.
 * @param {boolean} [o.cleanup=true]   registerCleanup(handle) (exit + SIGINT/SIGTERM)
 * @param {number}  [o.startTimeoutMs=120000]
 * @param {number}  [o.stopTimeoutMs=30000] SIGKILL after this long in stop()
 * @param {number}  [o.nodeId]         (startKafkaCluster) this node's id, default 1
 * @param {string}  [o.clusterId]      (startKafkaCluster) the id to format a new data dir with
 * @param {string | ((ports: { port: number, controllerPort: number }) => string)} [o.quorumVoters]
 *                                     (startKafkaCluster) controller.quorum.voters, default this node alone
 * @param {{ port: number, host: string }} [o.internal] (startKafkaCluster links) the inter-broker listener
 * @returns {Promise<KafkaHandle>}
 */
async function startKafka(o = {}) {
  const log = makeLog(o.log);
  const version = o.version || process.env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
  const dataDir = path.resolve(o.dataDir || DEFAULT_DATA_DIR);
  const heapMb = o.heapMb || 512;
  const logLevel = o.logLevel || process.env.KAFKA_LOG_LEVEL || 'WARN';
  const startTimeoutMs = o.startTimeoutMs || 120000;
  const stopTimeoutMs = o.stopTimeoutMs || 30000;
  const ifRunning = o.ifRunning || 'stop';
  const f = files(dataDir);
  await fsp.mkdir(f.logs, { recursive: true });

  // A broker from this dataDir may still be running (a previous `npm start`, a crashed test run...).
  const prev = runningBroker(dataDir);
  if (prev) {
    const ownerAlive = prev.ownerPid && prev.ownerPid !== process.pid && isAlive(prev.ownerPid);
    const compatible = (!o.port || o.port === prev.port) && prev.version === version;
    if (ownerAlive && ifRunning === 'reuse' && compatible && (await probeBroker('127.0.0.1', prev.port, 3000, null, o.nodeId || NODE_ID)).ready) {
      log(`reusing the broker already running from ${dataDir} (pid ${prev.pid}, owned by pid ${prev.ownerPid})`);
      return reusedHandle(prev, dataDir);
    }
    if (ownerAlive && ifRunning === 'fail') {
      throw new Error(`a Kafka broker (pid ${prev.pid}) from ${dataDir} is running, owned by pid ${prev.ownerPid}`);
    }
    log(`stopping the broker left running from ${dataDir} (pid ${prev.pid}${ownerAlive ? `, owned by pid ${prev.ownerPid}` : ', orphaned'})`);
    await terminate(prev.pid, { timeoutMs: stopTimeoutMs, log });
  }

  const classpathDir = await ensureKafkaJars({ version, log });
  const state = readJson(f.state) || {};
  if (state.version && state.version !== version) {
    log(`note: ${dataDir} was last used by Kafka ${state.version}, now starting ${version}`);
  }

  const pickPort = async (wanted, last) => {
    if (wanted) return wanted;
    if (last && (await portFree(last))) return last;
    return freePort();
  };
  for (const [name, p] of /** @type {[string, number | undefined][]} */ ([
    ['port', o.port],
    ['controllerPort', o.controllerPort],
  ])) {
    if (p && !(await portFree(p))) {
      throw new Error(`cannot start Kafka: ${name} ${p} on 127.0.0.1 is already in use by another process (use port 0 for a free one)`);
    }
  }
  const port = await pickPort(o.port, state.port);
  let controllerPort = await pickPort(o.controllerPort, state.controllerPort);
  while (controllerPort === port) controllerPort = await freePort();

  const nodeId = o.nodeId || NODE_ID;
  const quorumVoters = typeof o.quorumVoters === 'function' ? o.quorumVoters({ port, controllerPort }) : o.quorumVoters;
  const props = brokerProperties({ dataDir, port, controllerPort, version, brokerProps: o.brokerProps, nodeId, quorumVoters, internal: o.internal });
  await fsp.writeFile(f.props, toProperties(props));

  const java = javaBin();
  const cp = `${classpathDir}${path.sep}*`;
  const jvm = [...jvmArgs({ heapMb, dataDir, logLevel }), ...(o.jvmArgs || [])];

  // Format storage only once: a second start finds its data (and cluster id) again.
  let clusterId = fs.existsSync(f.clusterId) ? fs.readFileSync(f.clusterId, 'utf8').trim() : '';
  if (o.clusterId && !fs.existsSync(path.join(props['metadata.log.dir'] || props['log.dirs'].split(',')[0], 'meta.properties'))) {
    clusterId = o.clusterId; // every node of a cluster is formatted with the same id
    fs.writeFileSync(f.clusterId, `${clusterId}\n`);
  }
  const metaDir = props['metadata.log.dir'] || props['log.dirs'].split(',')[0];
  if (!fs.existsSync(path.join(metaDir, 'meta.properties'))) {
    if (!clusterId) {
      clusterId = randomClusterId();
      fs.writeFileSync(f.clusterId, `${clusterId}\n`);
    }
    const t0 = Date.now();
    log(`formatting ${f.logs} (cluster id ${clusterId})`);
    let res;
    try {
      res = await run(java, [
        ...jvm.filter((a) => !a.startsWith('-Xms')),
        '-cp',
        cp,
        'kafka.tools.StorageTool',
        'format',
        '--ignore-formatted',
        '-t',
        clusterId,
        '-c',
        f.props,
      ]);
    } catch (e) {
      throw new Error(`could not run "${java}" (${e.code || e.message}): install a JDK 17+ or set JAVA_HOME`, { cause: e });
    }
    if (res.code !== 0) {
      throw new Error(`formatting Kafka storage failed (exit ${res.code}):\n${res.output.trim().slice(-4000)}`);
    }
    log(`formatted in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  } else if (!clusterId) {
    const m = /cluster\.id=(\S+)/.exec(fs.readFileSync(path.join(metaDir, 'meta.properties'), 'utf8'));
    clusterId = m ? m[1] : '';
  }

  /** @type {KafkaHandle} */
  const handle = {
    brokers: `127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    controllerPort,
    nodeId,
    pid: 0,
    dataDir,
    version,
    clusterId,
    owned: true,
    startupMs: 0,
    logFile: f.log,
    // set below, before startKafka returns
    exited: /** @type {any} */ (null),
    stop: /** @type {any} */ (null),
    kill: /** @type {any} */ (null),
    restart: /** @type {any} */ (null),
  };

  const launch = async () => {
    const t0 = Date.now();
    try {
      if (fs.statSync(f.out).size > 5 * 1024 * 1024) fs.truncateSync(f.out, 0);
    } catch {
      /* first start */
    }
    const since = { [f.log]: fileSize(f.log), [f.out]: fileSize(f.out) };
    fs.appendFileSync(f.out, `\n===== ${new Date().toISOString()} starting Kafka ${version} on ${handle.brokers}\n`);
    const out = fs.openSync(f.out, 'a');
    let child;
    try {
      child = spawn(java, [...jvm, '-cp', cp, 'kafka.Kafka', f.props], {
        cwd: dataDir,
        detached: true, // own process group: a terminal Ctrl-C reaches us, and we stop the broker in order
        stdio: ['ignore', out, out],
      });
    } finally {
      fs.closeSync(out);
    }
    let exitInfo = /** @type {ExitInfo | null} */ (null);
    handle.exited = new Promise((resolve) => {
      child.once('error', (e) => {
        exitInfo = { code: null, signal: null, error: e };
        resolve(exitInfo);
      });
      child.once('exit', (code, signal) => {
        exitInfo = { code, signal };
        resolve(exitInfo);
      });
    });
    child.unref();
    await new Promise((r) => setImmediate(r));
    if (exitInfo && exitInfo.error) throw new Error(`could not start ${java}: ${exitInfo.error.message}`);
    handle.pid = /** @type {number} */ (child.pid);
    fs.writeFileSync(f.pid, JSON.stringify({ pid: child.pid, ownerPid: process.pid, port, controllerPort, version, startedAt: new Date().toISOString() }));
    fs.writeFileSync(f.state, JSON.stringify({ version, port, controllerPort, clusterId }, null, 2));
    // Stops the broker if this process dies without its exit handlers (SIGKILL, crash): SIGTERM, then
    // SIGKILL after 30 s.
    spawnParentWatchdog(
      'kafka-watchdog',
      'kill -TERM "$1" 2>/dev/null; i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 30 ]; do sleep 1; i=$((i+1)); done; kill -KILL "$1" 2>/dev/null',
      [String(child.pid)],
      handle.exited,
    );
    if (o.cleanup !== false) unregisterCleanup = registerCleanup(handle);

    const deadline = t0 + startTimeoutMs;
    let last;
    for (;;) {
      if (exitInfo) {
        cleanupPidFile(f.pid, child.pid);
        unregisterCleanup();
        throw new Error(
          `Kafka exited during startup (code ${exitInfo.code}, signal ${exitInfo.signal})${firstError(f, since)}.\n` +
            `--- ${f.out}\n${tail(f.out, 20)}\n--- ${f.log}\n${tail(f.log, 20)}`,
        );
      }
      const probe = await probeBroker('127.0.0.1', port, 2000, clusterId || null, nodeId);
      if (probe.ready) break;
      last = probe.reason;
      if (Date.now() > deadline) {
        await terminate(handle.pid, { timeoutMs: 5000, log });
        cleanupPidFile(f.pid, handle.pid);
        unregisterCleanup();
        throw new Error(`Kafka did not become ready within ${startTimeoutMs}ms (last probe: ${last}).\n--- ${f.log}\n${tail(f.log, 30)}`);
      }
      await sleep(150);
    }
    handle.startupMs = Date.now() - t0;
    log(`Kafka ${version} ready on ${handle.brokers} (pid ${child.pid}, ${(handle.startupMs / 1000).toFixed(1)}s, data ${dataDir})`);
  };

  let unregisterCleanup = () => {};
  const stop = async () => {
    const pid = handle.pid;
    if (!pid) return;
    await terminate(pid, { timeoutMs: stopTimeoutMs, log });
    cleanupPidFile(f.pid, pid);
    unregisterCleanup();
  };
  const kill = async () => {
    const pid = handle.pid;
    if (!pid) return;
    unregisterCleanup();
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await waitForExit(pid, 10000);
    cleanupPidFile(f.pid, pid);
  };
  /** Stops (or, with { kill: true }, kills) the broker and starts it again on the same ports and data. */
  const restart = async ({ kill: hard = false } = {}) => {
    await (hard ? kill() : stop());
    await launch();
    return handle;
  };
  Object.assign(handle, { stop, kill, restart });

  await launch();
  return handle;
}

function fileSize(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The first ERROR line written since `since` ({ [file]: offset }), as a one-line summary for error messages. */
function firstError(f, since = {}) {
  for (const file of [f.log, f.out]) {
    let text;
    try {
      const buf = fs.readFileSync(file);
      const from = since[file] && since[file] <= buf.length ? since[file] : 0;
      text = buf.subarray(from).toString('utf8');
    } catch {
      continue;
    }
    const hit = text.split('\n').find((l) => /\b(ERROR|FATAL)\b|Exception:|Error:/.test(l));
    if (hit) return `: ${hit.trim().slice(0, 400)}`;
  }
  return '';
}

function cleanupPidFile(file, pid) {
  const info = readJson(file);
  if (info && info.pid === pid) {
    try {
      fs.unlinkSync(file);
    } catch {
      /* already gone */
    }
  }
}

function reusedHandle(prev, dataDir) {
  return {
    brokers: `127.0.0.1:${prev.port}`,
    host: '127.0.0.1',
    port: prev.port,
    controllerPort: prev.controllerPort,
    pid: prev.pid,
    dataDir,
    version: prev.version,
    clusterId: (readJson(files(dataDir).state) || {}).clusterId,
    owned: false,
    startupMs: 0,
    logFile: files(dataDir).log,
    exited: new Promise(() => {}),
    stop: async () => {},
    kill: async () => {},
    restart: async () => {
      throw new Error('cannot restart a broker owned by another process');
    },
  };
}

/**
 * KAFKA_BROKERS set → { brokers: $KAFKA_BROKERS, stop: no-op, external: true } (nothing started);
 * otherwise startKafka(options) → its handle, with external: false.
 */
/**
 * @param {Parameters<typeof startKafka>[0]} [options]
 * @returns {Promise<KafkaHandle | { brokers: string, external: true, owned: false, stop(): Promise<void>, kill(): Promise<void> }>}
 */
async function resolveKafka(options = {}) {
  const env = (process.env.KAFKA_BROKERS || '').trim();
  if (env) {
    return { brokers: env, external: true, owned: false, stop: async () => {}, kill: async () => {} };
  }
  const handle = await startKafka(options);
  handle.external = false;
  return handle;
}

/**
 * Stops the broker recorded in dataDir's pid file (any owner). Resolves true if one was running.
 * @param {{ dataDir?: string, log?: LogOption, timeoutMs?: number }} [o]
 */
async function stopKafka({ dataDir, log, timeoutMs = 30000 } = {}) {
  dataDir = path.resolve(dataDir || DEFAULT_DATA_DIR);
  const prev = runningBroker(dataDir);
  if (!prev) return false;
  await terminate(prev.pid, { timeoutMs, log: makeLog(log) });
  cleanupPidFile(files(dataDir).pid, prev.pid);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Cluster: N combined broker+controller nodes on loopback (fault tests with replication)
// ---------------------------------------------------------------------------------------------------------------

/** Settings every node of an N-node cluster shares: internal topics replicated like the event topics. */
function clusterBrokerProps(count, minIsr) {
  const rf = String(count);
  const isr = String(minIsr);
  return {
    'default.replication.factor': rf,
    'min.insync.replicas': isr,
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': isr,
    'share.coordinator.state.topic.replication.factor': rf,
    'share.coordinator.state.topic.min.isr': isr,
    // a node that comes back must catch up and rejoin the ISR quickly; leadership returns to it soon after
    'replica.lag.time.max.ms': '10000',
    'leader.imbalance.check.interval.seconds': '10',
  };
}

/**
 * Starts `count` KRaft nodes (each broker and controller, static voters `1@…,2@…,3@…`) as one cluster on loopback,
 * every node in `<dataDir>/node-<id>` formatted with the same cluster id. Internal topics get replication factor
 * `count` and min ISR `minInsyncReplicas` (default count − 1, at least 1). A second start on the same dataDir finds
 * the ports, cluster id and data again. Nodes start concurrently (a node is ready only once a quorum of
 * controllers has formed).
 *
 * Returns { brokers: '127.0.0.1:p1,…', clusterId, dataDir, nodes: [startKafka handles + nodeId], stop(), kill() }:
 * `nodes[i].kill()` SIGKILLs one node, `nodes[i].restart()` (or `restart({ kill: true })`) brings it back on its
 * own ports and data while the others keep running.
 *
 * With `links: true` the nodes reach one another (replication, controller quorum, transaction markers) only
 * through tools/kafka/link-proxy.js, and the result has `links.isolate(nodeId)` (a network partition of that node
 * from the others; clients still reach every node) and `links.heal()`.
 *
 * Memory: each node is its own JVM; the default heap here is 384 MB (3 nodes ≈ 1.2 GB of heap, ~0.6 GB RSS idle).
 */
async function startKafkaCluster(o = {}) {
  const count = o.count || 3;
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new Error(`cluster size must be 1..9, got ${o.count}`);
  const minIsr = o.minInsyncReplicas || Math.max(1, count - 1);
  const log = makeLog(o.log);
  const dataDir = path.resolve(o.dataDir || path.join(REPO_ROOT, '.data', 'kafka-cluster'));
  await fsp.mkdir(dataDir, { recursive: true });
  const clusterFile = path.join(dataDir, 'cluster.json');
  const previous = readJson(clusterFile) || {};
  const clusterId = previous.clusterId || randomClusterId();

  // Every node must know every controller's address before any starts: pick all ports first (the ones this data
  // dir used last time when they are still free, so a second start keeps the addresses).
  const taken = new Set();
  const pick = async (last) => {
    if (last && !taken.has(last) && (await portFree(last))) {
      taken.add(last);
      return last;
    }
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  const specs = [];
  for (let i = 0; i < count; i++) {
    const nodeId = i + 1;
    const last = (previous.nodes || []).find((n) => n.nodeId === nodeId) || {};
    specs.push({
      nodeId,
      dataDir: path.join(dataDir, `node-${nodeId}`),
      port: await pick(last.port),
      controllerPort: await pick(last.controllerPort),
      internalPort: o.links ? await pick(last.internalPort) : undefined,
    });
  }
  const links = o.links ? await startLinks(specs, log) : undefined;
  const quorumVoters = specs.map((n) => `${n.nodeId}@${links ? nodeName(n.nodeId) : '127.0.0.1'}:${n.controllerPort}`).join(',');
  fs.writeFileSync(
    clusterFile,
    JSON.stringify(
      {
        clusterId,
        count,
        minInsyncReplicas: minIsr,
        nodes: specs.map(({ nodeId, port, controllerPort, internalPort }) => ({ nodeId, port, controllerPort, internalPort })),
      },
      null,
      2,
    ),
  );

  const t0 = Date.now();
  log(`starting a ${count}-node KRaft cluster (cluster id ${clusterId}, voters ${quorumVoters}) in ${dataDir}`);
  const results = await Promise.allSettled(
    specs.map((n) =>
      startKafka({
        ...o,
        log: (m) => log(`node ${n.nodeId}: ${m}`),
        dataDir: n.dataDir,
        port: n.port,
        controllerPort: n.controllerPort,
        nodeId: n.nodeId,
        clusterId,
        quorumVoters,
        heapMb: o.heapMb || 384,
        brokerProps: { ...clusterBrokerProps(count, minIsr), ...(o.brokerProps || {}) },
        ...(links && {
          internal: { port: /** @type {number} */ (n.internalPort), host: nodeName(n.nodeId) },
          jvmArgs: [...(o.jvmArgs || []), `-Djdk.net.hosts.file=${links.hostsFile(n.nodeId, n.dataDir)}`],
        }),
      }),
    ),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(results.filter((r) => r.status === 'fulfilled').map((r) => r.value.stop()));
    links?.close();
    throw failed.reason;
  }
  const nodes = results.map((r) => /** @type {PromiseFulfilledResult<KafkaHandle>} */ (r).value);
  const brokers = nodes.map((n) => n.brokers).join(',');
  log(`cluster ready on ${brokers} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return {
    brokers,
    clusterId,
    dataDir,
    count,
    minInsyncReplicas: minIsr,
    nodes,
    startupMs: Date.now() - t0,
    links: links && { isolate: links.isolate, heal: links.heal },
    stop: async () => {
      // a controlled shutdown hands leaderships over: the nodes must hear one another
      await links?.heal().catch(() => undefined);
      await Promise.allSettled(nodes.map((n) => n.stop()));
      links?.close();
    },
    kill: async () => {
      await Promise.allSettled(nodes.map((n) => n.kill()));
      links?.close();
    },
  };
}

/** The name under which the other nodes reach node `id` (startKafkaCluster links). */
const nodeName = (/** @type {number} */ id) => `kafka-node-${id}`;

/**
 * The cuttable links between the nodes (tools/kafka/link-proxy.js, in a child process): for every ordered pair
 * j → k a proxy on 127.0.j.k at node k's inter-broker and controller ports, and node j's hosts file naming it.
 * @param {{ nodeId: number, controllerPort: number, internalPort?: number }[]} specs
 * @param {(m: string) => void} log
 */
async function startLinks(specs, log) {
  const child = require('child_process').fork(path.join(TOOLS_DIR, 'link-proxy.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let seq = 0;
  /** @type {Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>} */
  const waiting = new Map();
  child.on('message', (/** @type {any} */ m) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error) w?.reject(new Error(`link proxy: ${m.error}`));
    else w?.resolve(undefined);
  });
  child.once('exit', (code, signal) => {
    for (const w of waiting.values()) w.reject(new Error(`link proxy exited (${code ?? signal})`));
    waiting.clear();
  });
  const ask = (/** @type {object} */ m) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      waiting.set(id, { resolve, reject });
      child.send({ ...m, id });
    });
  const pairs = specs.flatMap((a) => specs.filter((b) => b !== a).map((b) => /** @type {[typeof a, typeof b]} */ ([a, b])));
  const host = (/** @type {number} */ from, /** @type {number} */ to) => `127.0.${from}.${to}`;
  await ask({
    listen: pairs.flatMap(([a, b]) =>
      [b.internalPort, b.controllerPort].map((port) => ({ from: a.nodeId, to: b.nodeId, host: host(a.nodeId, b.nodeId), port, targetPort: port })),
    ),
  });
  log(`links between the ${specs.length} nodes through 127.0.<from>.<to> (link-proxy pid ${child.pid})`);
  /** @param {number} id */
  const linksOf = (id) => pairs.filter(([a, b]) => a.nodeId === id || b.nodeId === id).map(([a, b]) => [a.nodeId, b.nodeId]);
  return {
    /** node j's hosts file: itself on 127.0.0.1, every other node k at its link 127.0.j.k */
    hostsFile(/** @type {number} */ id, /** @type {string} */ nodeDir) {
      const file = path.join(nodeDir, 'hosts');
      fs.mkdirSync(nodeDir, { recursive: true });
      const lines = [`127.0.0.1 localhost ${require('os').hostname()} ${nodeName(id)}`];
      for (const s of specs) if (s.nodeId !== id) lines.push(`${host(id, s.nodeId)} ${nodeName(s.nodeId)}`);
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      return file;
    },
    /** cut every link to and from node `id`: a partition of it from the others; clients still reach it */
    isolate: (/** @type {number} */ id) => ask({ cut: linksOf(id) }),
    /** restore the links (all of them by default) */
    heal: (/** @type {[number, number][] | 'all'} */ which = 'all') => ask({ heal: which }),
    close: () => child.kill(),
  };
}

/** The node directories of a cluster data dir (`node-<id>`), or [] for a single-node data dir. */
function clusterNodeDirs(dataDir) {
  try {
    return fs
      .readdirSync(dataDir)
      .filter((d) => /^node-\d+$/.test(d))
      .map((d) => path.join(dataDir, d));
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------------------------

/**
 * @param {string} name
 * @param {string | undefined} value
 * @returns {number | undefined}
 */
function intOption(name, value) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw Object.assign(new Error(`--${name} must be a non-negative integer, got "${value}"`), { usage: true });
  return Number(value);
}

const USAGE = `usage:
  node tools/kafka/launcher.js start [--data-dir .data/kafka] [--port 9092] [--kafka-version ${DEFAULT_KAFKA_VERSION}]
                                     [--heap-mb 512] [--log-level WARN]   (foreground; Ctrl-C stops the broker)
  node tools/kafka/launcher.js start --brokers 3 [--data-dir .data/kafka-cluster] [--heap-mb 384]
                                     (N nodes as one KRaft cluster, free ports, RF N / min ISR N-1 internal topics)
  node tools/kafka/launcher.js fetch [--kafka-version ${DEFAULT_KAFKA_VERSION}]     (resolve the jars only)
  node tools/kafka/launcher.js stop  [--data-dir .data/kafka]              (stop a broker started from that dir)
env: KAFKA_VERSION, KAFKA_LOG_LEVEL, KAFKA_CACHE_DIR, KAFKA_MVN, JAVA_HOME`;

/** @param {string[]} argv */
async function main(argv) {
  let parsed;
  try {
    // `--name value` and `--name=value`; unknown options are refused.
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        'kafka-version': { type: 'string' },
        version: { type: 'string' }, // alias of --kafka-version
        'heap-mb': { type: 'string' },
        'log-level': { type: 'string' },
        brokers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    process.stderr.write(`[kafka] ${e.message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const { values } = parsed;
  const cmd = parsed.positionals[0];
  const opts = {
    dataDir: values['data-dir'],
    port: intOption('port', values.port),
    heapMb: intOption('heap-mb', values['heap-mb']),
    brokers: intOption('brokers', values.brokers),
    logLevel: values['log-level'],
  };
  const version = values['kafka-version'] || values.version || process.env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    return;
  }
  const log = (m) => process.stderr.write(`[kafka] ${m}\n`);
  if (cmd === 'fetch') {
    const dir = await ensureKafkaJars({ version, log });
    process.stdout.write(`${dir}\n`);
    return;
  }
  if (cmd === 'stop') {
    const nodeDirs = clusterNodeDirs(path.resolve(opts.dataDir || DEFAULT_DATA_DIR));
    if (nodeDirs.length > 0) {
      const stopped = await Promise.all(nodeDirs.map((dir) => stopKafka({ dataDir: dir, log })));
      log(`stopped ${stopped.filter(Boolean).length} of ${nodeDirs.length} cluster nodes`);
      return;
    }
    const stopped = await stopKafka({ dataDir: opts.dataDir, log });
    log(stopped ? 'stopped' : 'no broker running from that data dir');
    return;
  }
  if (cmd === 'start' && opts.brokers && opts.brokers > 1) {
    const cluster = await startKafkaCluster({
      count: opts.brokers,
      dataDir: opts.dataDir || path.join(REPO_ROOT, '.data', 'kafka-cluster'),
      version,
      log,
      heapMb: opts.heapMb || undefined,
      logLevel: opts.logLevel,
      ifRunning: 'stop',
      cleanup: false,
    });
    process.stdout.write(`KAFKA_BROKERS=${cluster.brokers}\n`);
    log(`logs: ${cluster.nodes.map((n) => n.logFile).join(', ')}; Ctrl-C to stop`);
    const keepAlive = setInterval(() => {}, 1 << 30);
    let stopping = false;
    const shutdown = async (sig) => {
      if (stopping) return;
      stopping = true;
      log(`${sig}: stopping the cluster ...`);
      await cluster.stop();
      clearInterval(keepAlive);
      process.exit(0);
    };
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => shutdown(sig));
    process.on('exit', () => {
      for (const n of cluster.nodes) if (!stopping && n.pid && isAlive(n.pid)) process.kill(n.pid, 'SIGTERM');
    });
    // Every node stopped from outside (`stop --data-dir`): nothing left to run. A single node that dies is
    // left alone — the cluster keeps serving, as in a fault test.
    await Promise.all(cluster.nodes.map((n) => n.exited));
    if (!stopping) {
      log('every node was stopped from outside');
      clearInterval(keepAlive);
      process.exit(0);
    }
    return;
  }
  if (cmd === 'start') {
    const port = opts.port === undefined ? 9092 : opts.port;
    const handle = await startKafka({
      dataDir: opts.dataDir,
      port,
      version,
      log,
      heapMb: opts.heapMb || undefined,
      logLevel: opts.logLevel,
      ifRunning: 'stop',
      cleanup: false,
    });
    process.stdout.write(`KAFKA_BROKERS=${handle.brokers}\n`);
    log(`logs: ${handle.logFile}; Ctrl-C to stop`);
    const keepAlive = setInterval(() => {}, 1 << 30);
    let stopping = false;
    const shutdown = async (sig) => {
      if (stopping) return;
      stopping = true;
      log(`${sig}: stopping the broker ...`);
      const t0 = Date.now();
      await handle.stop();
      log(`stopped in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      clearInterval(keepAlive);
      process.exit(0);
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGHUP', () => shutdown('SIGHUP'));
    process.on('exit', () => {
      if (!stopping && handle.pid && isAlive(handle.pid)) process.kill(handle.pid, 'SIGTERM');
    });
    const info = await handle.exited;
    if (!stopping) {
      clearInterval(keepAlive);
      if (info.code === 0 || info.code === 143) {
        log('the broker was stopped from outside (SIGTERM)');
        process.exit(0);
      }
      log(`the broker exited unexpectedly (code ${info.code}, signal ${info.signal})\n${tail(handle.logFile, 20)}`);
      process.exit(1);
    }
    return;
  }
  process.stderr.write(`${cmd ? `[kafka] unknown command "${cmd}"\n` : ''}${USAGE}\n`);
  process.exitCode = cmd ? 2 : 0;
}

module.exports = {
  DEFAULT_KAFKA_VERSION,
  ensureKafkaJars,
  startKafka,
  startKafkaCluster,
  stopKafka,
  resolveKafka,
  registerCleanup,
  brokerProperties,
  probeBroker,
};

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`[kafka] ${process.env.DEBUG ? e.stack : e.message}\n${e.usage ? `${USAGE}\n` : ''}`);
    process.exit(e.usage ? 2 : 1);
  });
}
