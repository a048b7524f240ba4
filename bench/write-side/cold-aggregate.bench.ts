/**
 * Cold-aggregate command latency with 10 thousand and with 1 million unrelated events already in
 * the topic (issue 3). The figure that counts is the ratio of the two medians (target ≤ 1.5).
 * Also reports how long the processor took to restore its partitions, and the processor's own
 * throughput while filling the topic (commands produced straight onto the command topic).
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/write-side/cold-aggregate.bench.ts [--large 1000000] [--small 10000]
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { encodeJson, commandFingerprint, type CommandEnvelope } from '@es/event-store';
import { groups, KafkaCommandTransport, namespaceTopics, provisionTopics, topics } from '@es/kafka';
import { dropNamespace, randomNamespace, startApp, waitFor, type AppProcess } from '@es/testing';
import { benchInfra, progress, report, round, runBench, summarize } from '../lib/bench-infra';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PRODUCTS = 10_000;
const PROBES = 200;

async function scenario(kafka: Kafka, events: number) {
  const ns = randomNamespace('b');
  const env = { ES_NAMESPACE: ns };
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, namespaceTopics(ns, { partitions: 6, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
  let processor: AppProcess = await startApp('command-processor', env);

  // Fill: register PRODUCTS products, then receive stock until `events` events exist.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const envelope = (type: string, sku: string, data: unknown): CommandEnvelope => ({
    commandId: randomUUID(),
    type,
    context: 'inventory',
    aggregateId: sku,
    data,
    correlationId: 'fill',
    causationId: null,
    fingerprint: commandFingerprint(type, sku, data),
    replyTo: null,
    sentAt: new Date().toISOString(),
  });
  const skus = Array.from({ length: Math.min(PRODUCTS, events) }, (_, i) => `FILL-${i}`);
  const started = Date.now();
  const chunk = 5000;
  for (let i = 0; i < events; i += chunk) {
    const messages = [];
    for (let j = i; j < Math.min(events, i + chunk); j += 1) {
      const sku = skus[j % skus.length];
      const env2 = j < skus.length ? envelope('RegisterProduct', sku, { sku, name: sku }) : envelope('ReceiveStock', sku, { sku, quantity: 1 });
      messages.push({ key: sku, value: encodeJson(env2) });
    }
    await producer.send({ topic: topics.commands(ns, 'inventory'), messages, acks: -1 });
  }
  await producer.disconnect();
  // Wait until the processor's committed offsets reach the end of the command topic.
  const end = await admin.fetchTopicOffsets(topics.commands(ns, 'inventory'));
  const total = end.reduce((s, p) => s + Number(p.high), 0);
  await waitFor(
    async () => {
      const [committed] = await admin.fetchOffsets({ groupId: groups.commandProcessor(ns, 'inventory'), topics: [topics.commands(ns, 'inventory')] });
      const done = committed.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
      progress(`  processing ${events.toLocaleString()} commands`, done, total, started);
      return done >= total;
    },
    { timeoutMs: 30 * 60 * 1000, intervalMs: 1000, what: 'the processor to apply the fill' },
  );
  const fillSeconds = (Date.now() - started) / 1000;

  // A cold processor: a clean restart (a kill would add the group's session timeout, measured
  // by the crash tests, not here), then the time until every partition answers.
  await processor.stop();
  const restartAt = Date.now();
  processor = await startApp('command-processor', env);
  const transport = new KafkaCommandTransport(kafka, { namespace: ns, timeoutMs: 120000 });
  await transport.start();
  const send = (sku: string) =>
    transport.send({
      context: 'inventory',
      type: 'ReceiveStock',
      aggregateId: sku,
      data: { sku, quantity: 1 },
      commandId: randomUUID(),
      correlationId: 'probe',
    });
  // First command per partition waits for that partition's restore.
  await Promise.all(skus.slice(0, 60).map(send));
  const restoreSeconds = (Date.now() - restartAt) / 1000;

  const latencies: number[] = [];
  for (let i = 0; i < PROBES; i += 1) {
    const sku = skus[skus.length - 1 - i]; // untouched since the restart: cold
    const t0 = process.hrtime.bigint();
    await send(sku);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await transport.stop();
  await processor.stop();
  await dropNamespace(ns, admin);
  await admin.disconnect();
  return { events, fillSeconds, processorCommandsPerSecond: round(events / fillSeconds, 0), restoreSeconds, latency: summarize(latencies) };
}

async function main() {
  const infra = await benchInfra();
  const kafka = new Kafka({ clientId: 'bench', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  try {
    const small = await scenario(kafka, arg('small', 10_000));
    const large = await scenario(kafka, arg('large', 1_000_000));
    const rows = [small, large].map((s) => ({
      'events in topic': s.events.toLocaleString(),
      'cold p50 ms': s.latency.p50,
      'cold p99 ms': s.latency.p99,
      'restore s': round(s.restoreSeconds, 1),
      'fill: processor cmds/s': s.processorCommandsPerSecond,
    }));
    rows.push({
      'events in topic': 'ratio large/small',
      'cold p50 ms': round(large.latency.p50 / small.latency.p50),
      'cold p99 ms': round(large.latency.p99 / small.latency.p99),
      'restore s': round(large.restoreSeconds / small.restoreSeconds),
      'fill: processor cmds/s': round(large.processorCommandsPerSecond / small.processorCommandsPerSecond),
    });
    report('write-side-cold-aggregate', rows, { scenarios: [small, large] });
  } finally {
    await infra.stop();
  }
}

runBench(main);
