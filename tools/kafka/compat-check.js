#!/usr/bin/env node
'use strict';
/**
 * kafkajs ↔ Kafka broker compatibility check: exercises what the event-sourced services use and prints
 * PASS/FAIL per feature (closing line "N passed, N failed"; exit code 1 if a required check failed).
 *
 *   node tools/kafka/compat-check.js [--kafka-version 4.4.0] [--brokers host:port] [--keep-data]
 *
 * Without --brokers (or KAFKA_BROKERS) it starts a fresh local broker of --kafka-version with launcher.js in a
 * temporary data dir and stops it afterwards. kafkajs is resolved from the repo's node_modules or NODE_PATH, e.g.
 *   mkdir /tmp/kcompat && cd /tmp/kcompat && npm i kafkajs@2.2.4
 *   NODE_PATH=/tmp/kcompat/node_modules node tools/kafka/compat-check.js --kafka-version 4.4.0
 */

const os = require('os');
const fs = require('fs');
const path = require('path');
const launcher = require('./launcher');

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

function requireKafkajs() {
  const tries = [() => require('kafkajs'), () => require(require.resolve('kafkajs', { paths: [process.cwd()] }))];
  for (const t of tries) {
    try {
      return t();
    } catch {
      /* next */
    }
  }
  throw new Error('kafkajs not found: install it (npm i kafkajs) or set NODE_PATH to a node_modules that has it');
}

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const k = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    o[k] = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
  }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`timeout after ${ms}ms (${what})`)), ms);
    }),
  ]);
}

async function waitFor(cond, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { Kafka, logLevel } = requireKafkajs();
  const kafkajsVersion = (() => {
    try {
      return require(require.resolve('kafkajs/package.json', { paths: module.paths.concat(process.env.NODE_PATH ? process.env.NODE_PATH.split(path.delimiter) : []) })).version;
    } catch {
      return '?';
    }
  })();

  let brokers = args.brokers || process.env.KAFKA_BROKERS;
  let handle = null;
  let dataDir = null;
  const version = args.kafkaVersion || process.env.KAFKA_VERSION || launcher.DEFAULT_KAFKA_VERSION;
  if (!brokers) {
    dataDir = args.dataDir || fs.mkdtempSync(path.join(os.tmpdir(), `kafka-compat-${version}-`));
    handle = await launcher.startKafka({ dataDir, port: 0, version });
    brokers = handle.brokers;
    console.log(`# broker: Kafka ${version} at ${brokers} (started in ${(handle.startupMs / 1000).toFixed(1)}s), kafkajs ${kafkajsVersion}`);
  } else {
    console.log(`# broker: ${brokers} (external), kafkajs ${kafkajsVersion}`);
  }

  const kjsLogs = [];
  const kafka = new Kafka({
    clientId: 'compat-check',
    brokers: brokers.split(','),
    logLevel: logLevel.ERROR,
    logCreator: () => ({ namespace, level, log }) => {
      kjsLogs.push(`${namespace}: ${log.message}${log.error ? ` (${log.error})` : ''}`);
    },
    retry: { retries: 3, initialRetryTime: 200 },
  });

  const run = `${Date.now().toString(36)}`;
  const T = {
    events: `compat-${run}-events`,
    txn: `compat-${run}-txn`,
    input: `compat-${run}-input`,
    output: `compat-${run}-output`,
    compacted: `compat-${run}-compacted`,
  };
  const admin = kafka.admin();
  const clients = [admin];
  const results = [];
  const check = async (name, fn, { required = true, timeoutMs = 45000 } = {}) => {
    const t0 = Date.now();
    try {
      const detail = await withTimeout(Promise.resolve().then(fn), timeoutMs, name);
      results.push({ name, ok: true, required, ms: Date.now() - t0, detail: detail || '' });
      console.log(`PASS  ${name}${detail ? `  (${detail})` : ''}`);
    } catch (e) {
      const msg = `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}${e.type ? ` [${e.type}]` : ''}`;
      results.push({ name, ok: false, required, ms: Date.now() - t0, detail: msg });
      console.log(`FAIL  ${name}  -- ${msg}`);
    }
  };

  await check('admin connect + createTopics', async () => {
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: T.events, numPartitions: 2 },
        { topic: T.txn, numPartitions: 1 },
        { topic: T.input, numPartitions: 1 },
        { topic: T.output, numPartitions: 1 },
        { topic: T.compacted, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
    });
    const topics = await admin.listTopics();
    for (const t of Object.values(T)) assert(topics.includes(t), `${t} listed`);
    return `${Object.keys(T).length} topics`;
  });

  await check('admin describeConfigs (topic + broker)', async () => {
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: 2 /* TOPIC */, name: T.compacted, configNames: ['cleanup.policy', 'retention.ms', 'retention.bytes'] },
        { type: 4 /* BROKER */, name: '1', configNames: ['auto.create.topics.enable', 'log.retention.ms'] },
      ],
    });
    const get = (i, n) => (res.resources[i].configEntries.find((c) => c.configName === n) || {}).configValue;
    assert(get(0, 'cleanup.policy') === 'compact', `cleanup.policy=compact, got ${get(0, 'cleanup.policy')}`);
    assert(get(0, 'retention.ms') === '-1', `retention.ms=-1, got ${get(0, 'retention.ms')}`);
    assert(get(1, 'auto.create.topics.enable') === 'false', `auto.create.topics.enable=false, got ${get(1, 'auto.create.topics.enable')}`);
    return `cleanup.policy=${get(0, 'cleanup.policy')} retention.ms=${get(0, 'retention.ms')} auto.create=${get(1, 'auto.create.topics.enable')}`;
  });

  await check('auto topic creation is off', async () => {
    const p = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1 } });
    clients.push(p);
    await p.connect();
    try {
      await p.send({ topic: `compat-${run}-nope`, messages: [{ value: 'x' }], timeout: 3000 });
    } catch (e) {
      return `send rejected: ${e.type || e.name}`;
    } finally {
      await p.disconnect();
    }
    throw new Error('a send to an unknown topic succeeded');
  }, { required: false });

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  clients.push(producer);
  await check('idempotent producer send (acks=all)', async () => {
    await producer.connect();
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `event-${i}`, headers: { type: 'Test' } }));
    const r = await producer.send({ topic: T.events, acks: -1, messages });
    await producer.send({ topic: T.input, acks: -1, messages: [1, 2, 3].map((i) => ({ key: 'a', value: `in-${i}` })) });
    await producer.send({ topic: T.compacted, messages: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }, { key: 'a', value: null }] });
    return `${r.length} partition results`;
  });

  await check('admin fetchTopicOffsets', async () => {
    const offs = await admin.fetchTopicOffsets(T.events);
    const total = offs.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
    assert(offs.length === 2, `2 partitions, got ${offs.length}`);
    assert(total === 10, `10 records, got ${total}`);
    return offs.map((p) => `p${p.partition}:${p.low}-${p.high}`).join(' ');
  });

  const txProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, transactionalId: `compat-${run}-tx` });
  clients.push(txProducer);
  await check('transaction commit', async () => {
    await txProducer.connect();
    const tx = await txProducer.transaction();
    await tx.send({ topic: T.txn, messages: [{ value: 'c1' }, { value: 'c2' }, { value: 'c3' }] });
    await tx.commit();
  });
  await check('transaction abort', async () => {
    const tx = await txProducer.transaction();
    await tx.send({ topic: T.txn, messages: [{ value: 'ABORTED-1' }, { value: 'ABORTED-2' }] });
    await tx.abort();
  });
  await check('transaction commit after abort', async () => {
    const tx = await txProducer.transaction();
    await tx.send({ topic: T.txn, messages: [{ value: 'c4' }] });
    await tx.commit();
  });

  const consumeAll = async (topic, { groupId, readUncommitted = false, expect, settleMs = 1500 }) => {
    const c = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 200 });
    clients.push(c);
    const seen = [];
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => seen.push(message.value ? message.value.toString() : null) });
    await waitFor(() => seen.length >= expect, 30000, `${expect} records from ${topic} (have ${seen.length})`);
    await sleep(settleMs);
    await c.disconnect();
    return seen;
  };

  await check('read_committed consumer skips aborted records', async () => {
    const seen = await consumeAll(T.txn, { groupId: `compat-${run}-rc`, expect: 4 });
    assert(!seen.some((v) => v.startsWith('ABORTED')), `no aborted records, got ${seen.join(',')}`);
    assert(seen.join(',') === 'c1,c2,c3,c4', `committed records c1..c4 in order, got ${seen.join(',')}`);
    return seen.join(',');
  });
  await check('read_uncommitted consumer sees aborted records', async () => {
    const seen = await consumeAll(T.txn, { groupId: `compat-${run}-ru`, readUncommitted: true, expect: 6 });
    assert(seen.filter((v) => v.startsWith('ABORTED')).length === 2, `2 aborted records, got ${seen.join(',')}`);
    return seen.join(',');
  }, { required: false });

  await check('transaction sendOffsets (consume-transform-produce) + commit', async () => {
    const groupId = `compat-${run}-ctp`;
    const tx = await txProducer.transaction();
    await tx.send({ topic: T.output, messages: [{ value: 'out-1' }, { value: 'out-2' }, { value: 'out-3' }] });
    await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: T.input, partitions: [{ partition: 0, offset: '3' }] }] });
    await tx.commit();
    const [r] = await admin.fetchOffsets({ groupId, topics: [T.input] });
    const off = r.partitions.find((p) => p.partition === 0).offset;
    assert(off === '3', `group offset 3 after commit, got ${off}`);
    // aborted sendOffsets must not move the group offset
    const tx2 = await txProducer.transaction();
    await tx2.send({ topic: T.output, messages: [{ value: 'ABORTED-out' }] });
    await tx2.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: T.input, partitions: [{ partition: 0, offset: '1' }] }] });
    await tx2.abort();
    const [r2] = await admin.fetchOffsets({ groupId, topics: [T.input] });
    const off2 = r2.partitions.find((p) => p.partition === 0).offset;
    assert(off2 === '3', `group offset still 3 after an aborted sendOffsets, got ${off2}`);
    // a member of that group resumes after the transactionally committed offset
    await producer.send({ topic: T.input, acks: -1, messages: [{ key: 'a', value: 'in-4' }] });
    const c = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    clients.push(c);
    const seen = [];
    await c.connect();
    await c.subscribe({ topic: T.input, fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => seen.push(message.value.toString()) });
    await waitFor(() => seen.length >= 1, 30000, 'in-4');
    await sleep(1000);
    await c.disconnect();
    assert(seen.join(',') === 'in-4', `resumes at offset 3 (only in-4), got ${seen.join(',')}`);
    const out = await consumeAll(T.output, { groupId: `compat-${run}-out`, expect: 3 });
    assert(out.join(',') === 'out-1,out-2,out-3', `output committed only, got ${out.join(',')}`);
    return 'offset 3 committed in txn; aborted sendOffsets ignored; member resumed at in-4';
  }, { timeoutMs: 60000 });

  await check('consumer group: join, rebalance with two members, offset commit/fetch', async () => {
    const groupId = `compat-${run}-grp`;
    const assignments = {};
    const consumed = { A: [], B: [] };
    const mk = async (name) => {
      const c = kafka.consumer({ groupId, maxWaitTimeInMs: 200, sessionTimeout: 10000, heartbeatInterval: 500, rebalanceTimeout: 10000 });
      clients.push(c);
      c.on(c.events.GROUP_JOIN, (e) => {
        assignments[name] = (e.payload.memberAssignment[T.events] || []).slice().sort();
      });
      await c.connect();
      await c.subscribe({ topic: T.events, fromBeginning: true });
      await c.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => consumed[name].push({ partition, offset: message.offset }),
      });
      return c;
    };
    const a = await mk('A');
    await waitFor(() => (assignments.A || []).length === 2, 30000, 'member A assigned both partitions');
    const b = await mk('B');
    await waitFor(
      () => (assignments.A || []).length === 1 && (assignments.B || []).length === 1 && assignments.A[0] !== assignments.B[0],
      30000,
      `rebalance to one partition each (A=${JSON.stringify(assignments.A)} B=${JSON.stringify(assignments.B)})`,
    );
    const highs = Object.fromEntries((await admin.fetchTopicOffsets(T.events)).map((p) => [p.partition, p.high]));
    // each member commits what it owns, up to the high watermark
    await waitFor(
      () => [...consumed.A, ...consumed.B].length >= 10,
      30000,
      `all 10 records consumed (have ${consumed.A.length}+${consumed.B.length})`,
    );
    await a.commitOffsets([{ topic: T.events, partition: assignments.A[0], offset: highs[assignments.A[0]] }]);
    await b.commitOffsets([{ topic: T.events, partition: assignments.B[0], offset: highs[assignments.B[0]] }]);
    const [r] = await admin.fetchOffsets({ groupId, topics: [T.events] });
    for (const p of r.partitions) assert(p.offset === highs[p.partition], `p${p.partition} committed ${highs[p.partition]}, got ${p.offset}`);
    const desc = await admin.describeGroups([groupId]);
    const g = desc.groups[0];
    assert(g.members.length === 2, `2 members described, got ${g.members.length}`);
    await b.disconnect();
    await waitFor(() => (assignments.A || []).length === 2, 30000, 'A takes both partitions back after B leaves');
    await a.disconnect();
    return `A=${assignments.A} (after B left) committed ${r.partitions.map((p) => `p${p.partition}@${p.offset}`).join(' ')}; group ${g.state}/${g.protocolType}`;
  }, { timeoutMs: 90000 });

  if (handle) {
    await check('broker restart: data kept, clients reconnect', async () => {
      const before = await admin.fetchTopicOffsets(T.events);
      const t0 = Date.now();
      await handle.restart();
      const ms = Date.now() - t0;
      await producer.send({ topic: T.events, acks: -1, messages: [{ key: 'k0', value: 'after-restart' }] });
      const tx = await txProducer.transaction();
      await tx.send({ topic: T.txn, messages: [{ value: 'c5' }] });
      await tx.commit();
      const after = await admin.fetchTopicOffsets(T.events);
      const sum = (o) => o.reduce((s, p) => s + Number(p.high), 0);
      assert(sum(after) === sum(before) + 1, `one more record after restart (${sum(before)} -> ${sum(after)})`);
      const seen = await consumeAll(T.txn, { groupId: `compat-${run}-rc2`, expect: 5 });
      assert(seen.join(',') === 'c1,c2,c3,c4,c5', `committed records survive the restart, got ${seen.join(',')}`);
      return `restart ${(ms / 1000).toFixed(1)}s`;
    }, { required: false, timeoutMs: 90000 });
  }

  await check('admin listGroups / deleteTopics', async () => {
    const { groups } = await admin.listGroups();
    assert(groups.length > 0, 'groups listed');
    await admin.deleteTopics({ topics: [T.output] });
    await waitFor(async () => !(await admin.listTopics()).includes(T.output), 20000, 'topic deleted');
    return `${groups.length} groups`;
  }, { required: false });

  for (const c of clients.reverse()) {
    await c.disconnect().catch(() => {});
  }
  if (handle) {
    const t0 = Date.now();
    await handle.stop();
    console.log(`# broker stopped in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    if (!args.keepData && !args.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const failed = results.filter((r) => !r.ok);
  const requiredFailed = failed.filter((r) => r.required);
  if (failed.length && kjsLogs.length) {
    console.log('# kafkajs error log (last 15):');
    for (const l of kjsLogs.slice(-15)) console.log(`#   ${l}`);
  }
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  process.exitCode = requiredFailed.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
