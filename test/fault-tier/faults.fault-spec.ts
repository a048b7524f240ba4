import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { partitionForKey } from '@es/kafka';
import type { AppProcess } from '@es/testing';
import { PARTITIONS, problems, results, runFaultScenario, ScenarioContext, writeSummary } from './support/fault-scenario';
import { describePlan, faultHandlers, faultTargets, planFaults, runFaultSchedule } from './support/fault-schedule';
import {
  ADMIN_TOKEN,
  KafkaInfra,
  PostgresInfra,
  kafkaClient,
  restartPostgres,
  scratchDir,
  startCluster,
  startPostgres,
  startSingleBroker,
} from './support/system-under-test';

/**
 * The fault tier (docs/reliability.md): each scenario runs the six deployables under a bounded
 * concurrent load that records every acknowledged command, SIGKILLs one real process mid-load (or
 * injects malformed records), lets the system heal with no app restarted by hand, and then checks
 * the topics: no acknowledged command lost, none applied twice, every order decided, stock exactly
 * what the commands imply, read models equal to a fold of the topics; it prints the recovery time.
 *
 * The scenarios run one after the other in this one file (one Jest worker): each starts its own
 * brokers / database, and two 3-node clusters must never share the 2-core CI machine.
 */
const ROOT = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SCENARIO_TIMEOUT_MS = 300000;

async function withInfra<T>(kind: 'single' | 'cluster' | 'linked cluster', run: (kafka: KafkaInfra, postgres: PostgresInfra) => Promise<T>): Promise<T> {
  const scratch = scratchDir(`es-fault-${kind.replace(' ', '-')}-`);
  const kafka =
    kind === 'single'
      ? await startSingleBroker(join(scratch.dir, 'kafka'))
      : await startCluster(join(scratch.dir, 'kafka'), { links: kind === 'linked cluster' });
  let postgres: PostgresInfra | undefined;
  try {
    postgres = await startPostgres(join(scratch.dir, 'pg', 'data'));
    return await run(kafka, postgres);
  } finally {
    await postgres?.stop().catch(() => undefined);
    await kafka.discard().catch(() => undefined);
    scratch.cleanup();
  }
}

/** The Kafka node that leads `<ns>.orders.events` p0 (the fault tier's broker faults hit it). */
async function leaderOfOrdersEventsP0(kafka: KafkaInfra, namespace: string) {
  const admin = kafkaClient(kafka.brokers).admin();
  await admin.connect();
  const meta = await admin.fetchTopicMetadata({ topics: [`${namespace}.orders.events`] });
  await admin.disconnect();
  const leader = meta.topics[0].partitions.find((p) => p.partitionId === 0)!.leader;
  return { leader, node: kafka.nodes.find((n) => n.nodeId === leader)! };
}

function expectHealthy(result: Awaited<ReturnType<typeof runFaultScenario>>): void {
  process.stdout.write(
    `\n[fault-tier] ${result.scenario}: ${result.acknowledged} acknowledged (${result.retried} after a retry), ${result.refused} refused, ${result.unknown} unknown; ` +
      `lost ${result.lost.length}, doubled ${result.doubled.length}, recovery ${result.recoverySeconds ?? 'never'} s ` +
      `(${JSON.stringify(result.recoveryByTarget)}), ${result.durationSeconds.toFixed(0)} s\n`,
  );
  expect(problems(result)).toEqual({});
  // a load that never got going would prove nothing
  expect(result.acknowledged).toBeGreaterThan(50);
}

/** SIGSTOP the processes (a negative pid: its process group) now, SIGCONT them after `ms`: paused, not dead. */
function pauseFor(pids: readonly number[], ms: number): { at: number; resumed: Promise<void> } {
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  return { at: Date.now(), resumed: sleep(ms).then(() => pids.forEach((pid) => process.kill(pid, 'SIGCONT'))) };
}

/** One request, timed: what a client (or a load balancer's health check) sees during a fault. */
async function timedRequest(url: string, timeoutMs = 40000): Promise<{ status: number; seconds: number }> {
  const started = Date.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).catch(() => undefined);
  await res?.arrayBuffer().catch(() => undefined);
  return { status: res?.status ?? 0, seconds: (Date.now() - started) / 1000 };
}

/** Commands of the ledger sent and acknowledged inside [from, to]: the write side served meanwhile. */
const acknowledgedBetween = (ctx: ScenarioContext, from: number, to: number) =>
  ctx.ledger.entries.filter((e) => e.outcome === 'acked' && e.sentAt >= from && (e.answeredAt ?? Infinity) <= to).length;

/** Until every partition of every topic (internal ones included) has its full replica set in its ISR. */
async function waitForFullIsr(kafka: KafkaInfra, timeoutMs = 60000): Promise<void> {
  const admin = kafkaClient(kafka.brokers).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const topics = await admin.listTopics();
      const meta = await admin.fetchTopicMetadata({ topics });
      const short = meta.topics.flatMap((t) => t.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => `${t.name}-${p.partitionId}`));
      if (short.length === 0) return;
      if (Date.now() > deadline) throw new Error(`still under-replicated after ${timeoutMs / 1000} s: ${short.join(', ')}`);
      await sleep(500);
    }
  } finally {
    await admin.disconnect();
  }
}

describe('fault tier', () => {
  afterAll(() => {
    if (results.length > 0) process.stdout.write(`\n[fault-tier] summary\n${writeSummary(ROOT, results)}\n`);
  });

  it(
    '(a) 3-broker cluster, RF 3, min ISR 2: SIGKILL the broker leading orders.events p0 mid-load, bring it back',
    () =>
      withInfra('cluster', async (kafka, postgres) => {
        const result = await runFaultScenario({
          name: 'a: kill 1 of 3 brokers',
          kafka,
          postgres,
          async inject({ namespace }) {
            const { leader, node } = await leaderOfOrdersEventsP0(kafka, namespace);
            await node.kill();
            const at = Date.now();
            return {
              at,
              description: `SIGKILL broker ${leader} (leader of orders.events p0), restarted after 5 s`,
              healed: sleep(5000).then(() => node.restart()),
            };
          },
        });
        expectHealthy(result);
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    '(b) single broker: SIGKILL it mid-load and restart it on its data',
    () =>
      withInfra('single', async (kafka, postgres) => {
        const result = await runFaultScenario({
          name: 'b: kill the single broker',
          kafka,
          postgres,
          async inject() {
            const broker = kafka.nodes[0];
            await broker.kill();
            const at = Date.now();
            return { at, description: 'SIGKILL the only broker, restarted on its data after 3 s', healed: sleep(3000).then(() => broker.restart()) };
          },
        });
        expectHealthy(result);
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    '(c) SIGKILL PostgreSQL mid-load and restart it',
    () =>
      withInfra('single', async (kafka, firstPostgres) => {
        let postgres = firstPostgres;
        try {
          const result = await runFaultScenario({
            name: 'c: kill PostgreSQL',
            kafka,
            postgres,
            async inject() {
              process.kill(postgres.pid, 'SIGKILL');
              const at = Date.now();
              const healed = (async () => {
                await sleep(3000);
                postgres = await restartPostgres(firstPostgres);
              })();
              return { at, description: 'SIGKILL the PostgreSQL postmaster, restarted on its data after 3 s', healed };
            },
          });
          expectHealthy(result);
        } finally {
          if (postgres !== firstPostgres) await postgres.stop().catch(() => undefined);
        }
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    '(d) SIGKILL one of two command processors mid-load',
    () =>
      withInfra('single', async (kafka, postgres) => {
        const result = await runFaultScenario({
          name: 'd: kill 1 of 2 processors',
          kafka,
          postgres,
          processors: 2,
          async inject({ sut }) {
            await sut.kill(sut.app('command-processor', 0));
            return { at: Date.now(), description: 'SIGKILL command-processor #1 while #2 runs (not restarted)' };
          },
        });
        expectHealthy(result);
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    '(e) a malformed command and a malformed event mid-load: other commands are served, the event is dead-lettered, the saga goes on',
    () =>
      withInfra('single', async (kafka, postgres) => {
        let poison: { partition: number; offset: string } | undefined;
        const result = await runFaultScenario({
          name: 'e: malformed command + event',
          kafka,
          postgres,
          // Without an operator at hand the projection and the saga record the poison event and go on.
          env: { PROJECTION_DEAD_LETTER_POLICY: 'skip', SAGA_DEAD_LETTER_POLICY: 'skip' },
          expectMalformed: 1,
          async inject({ namespace }) {
            const producer = kafkaClient(kafka.brokers).producer({ allowAutoTopicCreation: false });
            await producer.connect();
            const at = Date.now();
            // On two different partitions, so the recovery probes tell a wedged processor partition (p0)
            // from a stopped projection partition (p1).
            const keyOn = (partition: number) => {
              let key = randomUUID();
              while (partitionForKey(key, PARTITIONS) !== partition) key = randomUUID();
              return key;
            };
            const commandKey = keyOn(0);
            const eventKey = keyOn(1);
            await producer.send({ topic: `${namespace}.orders.commands`, acks: -1, messages: [{ key: commandKey, value: JSON.stringify({ data: null }) }] });
            const [sent] = await producer.send({
              topic: `${namespace}.orders.events`,
              acks: -1,
              messages: [{ key: eventKey, value: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0x67, 0x61, 0x72, 0x62, 0x61, 0x67, 0x65]) }],
            });
            await producer.disconnect();
            poison = { partition: sent.partition, offset: sent.baseOffset ?? '' };
            return {
              at,
              description: `{"data":null} on orders.commands p${partitionForKey(commandKey, PARTITIONS)}, garbage bytes on orders.events p${sent.partition}@${sent.baseOffset}`,
            };
          },
          async verify({ sut }) {
            // The orders projection and the fulfillment saga each record it once, as SKIPPED.
            const problems: string[] = [];
            for (const owner of ['orders', 'fulfillment-saga']) {
              const res = await fetch(`${sut.queryApi}/projections/dead-letters?projection=${owner}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
              const body = (await res.json()) as { partition: number; offset: number | string; status: string }[];
              const letters = Array.isArray(body) ? body : [];
              const found = letters.filter((l) => l.partition === poison?.partition && String(l.offset) === poison?.offset);
              if (found.length !== 1 || found[0].status !== 'SKIPPED') {
                problems.push(
                  `the garbage event ${JSON.stringify(poison)} is not one SKIPPED dead letter of ${owner}: ${res.status} ${JSON.stringify(body).slice(0, 500)}`,
                );
              }
            }
            return problems;
          },
        });
        expectHealthy(result);
      }),
    SCENARIO_TIMEOUT_MS,
  );

  for (const [label, kind] of [
    ['f', 'single'],
    ['g', 'cluster'],
  ] as const) {
    it(
      kind === 'single'
        ? `(${label}) a seeded schedule of overlapping faults: broker, PostgreSQL and every app SIGKILLed and brought back`
        : `(${label}) a seeded schedule of overlapping faults on a 3-broker cluster with two command processors: any brokers, PostgreSQL and every app process`,
      () =>
        withInfra(kind, async (kafka, firstPostgres) => {
          const seed = Number(process.env.FAULT_SCHEDULE_SEED ?? 20261201);
          // The cluster is the production-like topology: two processor instances as well, so that kills
          // and restarts also move partitions between live writers (fencing, restore, handover).
          const processors = kind === 'cluster' ? 2 : 1;
          const plan = planFaults(seed, Number(process.env.FAULT_SCHEDULE_FAULTS ?? 8), faultTargets(kafka, processors));
          const postgres = { current: firstPostgres };
          try {
            const result = await runFaultScenario({
              name: `${label}: ${plan.length} overlapping faults${kind === 'cluster' ? ', 3 brokers, 2 processors' : ''}`,
              kafka,
              postgres: firstPostgres,
              processors,
              // Load throughout the schedule and ~25 s past its last planned restore.
              afterMs: Math.max(45000, ...plan.map((f) => f.atMs + f.downMs + 25000)),
              async inject({ sut }) {
                const log = await runFaultSchedule(plan, faultHandlers(sut, kafka, postgres));
                // Recovery counts from the moment the last target was back.
                return { at: Date.now(), description: `${describePlan(seed, plan)} — ran: ${log.join('; ')}` };
              },
            });
            process.stdout.write(`\n[fault-tier] ${label}: ${result.fault}\n`);
            expectHealthy(result);
          } finally {
            if (postgres.current !== firstPostgres) await postgres.current.stop().catch(() => undefined);
          }
        }),
      SCENARIO_TIMEOUT_MS,
    );
  }

  it(
    '(h) pause (SIGSTOP) one of two command processors past its session timeout mid-load, then resume it: the zombie is fenced and rejoins',
    () =>
      withInfra('single', async (kafka, postgres) => {
        // A paused process (a long GC or VM pause, a stuck disk) is not a dead one: it comes back
        // believing it still owns its partitions, with the aggregates it had in memory, while the
        // other processor took them over and appended to them. Only fencing keeps its stale state
        // from deciding a command: its next transaction must fail and the partition be restored.
        let zombie: AppProcess | undefined;
        const result = await runFaultScenario({
          name: 'h: pause 1 of 2 processors',
          kafka,
          postgres,
          processors: 2,
          async inject({ sut }) {
            zombie = sut.app('command-processor', 0);
            const { at, resumed } = pauseFor([zombie.child.pid!], 15000);
            return {
              at,
              description: 'SIGSTOP command-processor #1 for 15 s (its session timeout is 10 s) while #2 runs, then SIGCONT',
              healed: resumed,
            };
          },
          async verify() {
            // Back in the group and serving: healthy, with partitions of its own again.
            const res = await fetch(`${zombie!.url}/health`, { signal: AbortSignal.timeout(5000) });
            const body = (await res.json()) as { checks?: Record<string, { detail?: unknown }> };
            const owned = JSON.stringify(body.checks?.['command-consumers']?.detail ?? {}).match(/"partitions":\[(\d[^\]]*)\]/g) ?? [];
            // What happened to the zombie's stale partitions, for the record (which ones it got back depends on the timing).
            const failed = zombie!
              .output()
              .split('\n')
              .filter((l) => l.includes('command batch failed') || l.includes('partitions assigned'))
              .map((l) => `${(/"msg":"([^"]*)"/.exec(l) ?? [])[1]} ${(/"(?:error|partitions)":("[^"]*"|\[[^\]]*\])/.exec(l) ?? [])[1] ?? ''}`);
            process.stdout.write(`\n[fault-tier] h: the resumed processor logged:\n  ${failed.slice(-12).join('\n  ')}\n`);
            return res.status === 200 && owned.length > 0 ? [] : [`the resumed processor is not serving: ${res.status} ${JSON.stringify(body).slice(0, 600)}`];
          },
        });
        expectHealthy(result);
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    '(i) 3-broker cluster: pause (SIGSTOP) the broker leading orders.events p0 for 45 s mid-load: the others serve before it is resumed',
    () =>
      withInfra('cluster', async (kafka, postgres) => {
        // A paused broker fails no request: it holds its connections open and answers nothing, so a
        // client only moves on after its own request timeout, while the controller has fenced the
        // broker (missed heartbeats) and moved its leaderships to the others within seconds. Before
        // patchKafkajsDisconnectOnRequestTimeout every command waited for the paused broker to come back.
        const pauseMs = Number(process.env.FAULT_PAUSE_MS ?? 45000);
        const result = await runFaultScenario({
          name: 'i: pause 1 of 3 brokers',
          kafka,
          postgres,
          async inject({ namespace }) {
            const { leader, node } = await leaderOfOrdersEventsP0(kafka, namespace);
            const { at, resumed } = pauseFor([node.pid], pauseMs);
            return { at, description: `SIGSTOP broker ${leader} (leader of orders.events p0) for ${pauseMs / 1000} s, then SIGCONT`, healed: resumed };
          },
        });
        expectHealthy(result);
        // Every partition served end to end again while the broker was still paused.
        expect(result.recoverySeconds).toBeLessThan(pauseMs / 1000);
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    '(j) pause (SIGSTOP) PostgreSQL for 20 s mid-load: the write side goes on, the read side answers 503 fast, and the read models come back exact',
    () =>
      withInfra('single', async (kafka, postgres) => {
        // A paused database (a stuck disk, a VM stall, a failover that hangs) refuses nothing: its
        // sockets stay open and every query on them waits. The projectors' transactions in flight
        // at the pause must come out whole after the resume, each batch applied once.
        const pauseMs = 20000;
        let pausedAt = 0;
        let during: Record<string, { status: number; seconds: number }> = {};
        const result = await runFaultScenario({
          name: 'j: pause PostgreSQL',
          kafka,
          postgres,
          async inject({ sut }) {
            // The postmaster leads its own process group: backends, checkpointer and walwriter stop with it.
            const pause = pauseFor([-postgres.pid], pauseMs);
            pausedAt = pause.at;
            const healed = (async () => {
              await sleep(6000);
              const probes: [string, string][] = [
                ...sut.apps.map((a): [string, string] => [`${a.app} /health`, `${a.url}/health`]),
                ['query-api GET /products/P0', `${sut.queryApi}/products/P0`],
                ['query-api GET /projections', `${sut.queryApi}/projections`],
              ];
              during = Object.fromEntries(await Promise.all(probes.map(async ([name, url]) => [name, await timedRequest(url)] as const)));
              await pause.resumed;
            })();
            return { at: pausedAt, description: `SIGSTOP the PostgreSQL process group for ${pauseMs / 1000} s, then SIGCONT`, healed };
          },
          async verify(ctx) {
            process.stdout.write(`\n[fault-tier] j: 6 s into the pause: ${JSON.stringify(during)}\n`);
            const out: string[] = [];
            const expectAnswer = (name: string, status: number, withinSeconds: number) => {
              const seen = during[name];
              if (!seen || seen.status !== status || seen.seconds > withinSeconds)
                out.push(`${name}: expected ${status} within ${withinSeconds} s, got ${JSON.stringify(seen)}`);
            };
            // The write side does not touch PostgreSQL; the read side says so fast instead of hanging.
            for (const app of ['command-api', 'command-processor', 'fulfillment-saga']) expectAnswer(`${app} /health`, 200, 3.5);
            for (const app of ['orders-projector', 'inventory-projector', 'query-api']) expectAnswer(`${app} /health`, 503, 3.5);
            expectAnswer('query-api GET /products/P0', 503, 7);
            const acked = acknowledgedBetween(ctx, pausedAt + 1000, pausedAt + pauseMs);
            process.stdout.write(`[fault-tier] j: ${acked} commands sent and acknowledged while PostgreSQL was paused\n`);
            if (acked === 0) out.push('no command was acknowledged while PostgreSQL was paused');
            return out;
          },
        });
        expectHealthy(result);
        // Reads come back within seconds of the resume.
        expect(result.recoverySeconds).toBeLessThan(pauseMs / 1000 + 15);
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    '(k) pause (SIGSTOP) the fulfillment saga and the orders projector for 30 s mid-load: inventory writes go on before the resume, and resumed, both rejoin with nothing applied twice',
    () =>
      withInfra('single', async (kafka, postgres) => {
        // A paused saga holds a Kafka transaction open on the command partitions it was writing to,
        // and the command processor reads commands read_committed: nothing behind that open
        // transaction is served (a ReceiveStock from any client included) until the transaction
        // ends. Only its timeout ends it while the saga is away; it has to be short. Resumed, a
        // consumer finds its group moved on without it (its session expired) and has to rejoin and
        // carry on from its checkpoint (the projector) or committed offsets (the saga), without a
        // restart and without doubling.
        const pauseMs = 30000;
        let paused: AppProcess[] = [];
        const result = await runFaultScenario({
          name: 'k: pause saga + orders projector',
          kafka,
          postgres,
          async inject({ sut }) {
            paused = [sut.app('fulfillment-saga'), sut.app('orders-projector')];
            const { at, resumed } = pauseFor(
              paused.map((app) => app.child.pid!),
              pauseMs,
            );
            return {
              at,
              description: `SIGSTOP fulfillment-saga and orders-projector for ${pauseMs / 1000} s (session timeouts 10 s and 6 s), then SIGCONT`,
              healed: resumed,
            };
          },
          async verify() {
            const out: string[] = [];
            for (const app of paused) {
              const seen = await timedRequest(`${app.url}/health`, 5000);
              if (seen.status !== 200) out.push(`${app.app} is not healthy after the resume: ${JSON.stringify(seen)}`);
            }
            return out;
          },
        });
        expectHealthy(result);
        // Inventory needs neither paused app: served end to end while they are still paused, at the
        // latest once the saga's open transaction timed out (10 s) and the broker's next check for
        // timed-out transactions (every 5 s) aborted it. With kafkajs' default timeout: the whole pause.
        const inventory = Object.entries(result.recoveryByTarget).filter(([target]) => target.startsWith('inventory'));
        expect(inventory.filter(([, seconds]) => seconds === undefined || seconds >= Math.min(20, pauseMs / 1000))).toEqual([]);
        // The orders read model needs the projector: back within seconds of the resume.
        expect(result.recoverySeconds).toBeLessThan(pauseMs / 1000 + 15);
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    '(l) 3-broker cluster: cut the broker leading orders.events p0 off from the other two for 40 s mid-load: the other two serve before the heal (clients still reach it)',
    () =>
      withInfra('linked cluster', async (kafka, postgres) => {
        // A partition, not a crash or a pause: the cut-off broker keeps running and keeps answering
        // clients with what it last knew — its metadata says it still leads its partitions and
        // coordinates its groups and transactions — while the other two (a quorum) fence it after
        // the broker session timeout (4 s) and elect new leaders. Its produce requests wait for
        // replicas that never fetch; its group and transaction coordinators cannot write their logs.
        // Before the fix in supervised-consumer.ts (CONSUMER_METADATA_MAX_AGE_MS) the projectors read
        // nothing from the partitions it had led until the partition healed.
        const partitionMs = Number(process.env.FAULT_PARTITION_MS ?? 40000);
        const result = await runFaultScenario({
          name: 'l: partition 1 of 3 brokers',
          kafka,
          postgres,
          async inject({ namespace }) {
            const { leader } = await leaderOfOrdersEventsP0(kafka, namespace);
            await kafka.links!.isolate(leader);
            const at = Date.now();
            const healed = sleep(partitionMs).then(() => kafka.links!.heal());
            return {
              at,
              description: `cut broker ${leader} (leader of orders.events p0) off from the other two for ${partitionMs / 1000} s, then heal`,
              healed,
            };
          },
        });
        expectHealthy(result);
        // Every partition served end to end again while the broker was still cut off.
        expect(result.recoverySeconds).toBeLessThan(partitionMs / 1000);
      }),
    SCENARIO_TIMEOUT_MS,
  );
  it(
    '(m) 3-broker cluster: a rolling restart mid-load (SIGTERM, one broker at a time, each back in every ISR before the next)',
    () =>
      withInfra('cluster', async (kafka, postgres) => {
        // What an operator does for every Kafka upgrade or configuration change. A controlled
        // shutdown hands the broker's leaderships over before it stops, so clients meet retriable
        // errors (NOT_LEADER, NOT_COORDINATOR, a coordinator loading) rather than timeouts.
        const window = { from: 0, to: 0 };
        const steps: string[] = [];
        const result = await runFaultScenario({
          name: 'm: rolling restart of 3 brokers',
          kafka,
          postgres,
          afterMs: 40000,
          async inject() {
            await waitForFullIsr(kafka); // as an operator would, before the first
            window.from = Date.now();
            const healed = (async () => {
              for (const node of kafka.nodes) {
                const t0 = Date.now();
                await node.restart();
                const back = Date.now();
                await waitForFullIsr(kafka);
                steps.push(
                  `broker ${node.nodeId} stopped at +${((t0 - window.from) / 1000).toFixed(1)} s, back ${((back - t0) / 1000).toFixed(1)} s later, full ISR ${((Date.now() - back) / 1000).toFixed(1)} s after that`,
                );
              }
              window.to = Date.now();
            })();
            return { at: window.from, description: 'rolling restart of the three brokers (SIGTERM, restart, full ISR, next)', healed };
          },
          async verify(ctx, audit) {
            // A reply lost on its way back: the command was decided within seconds of its send, yet
            // its first attempt timed out (504). The reply consumer used to jump to the latest offset
            // whenever its group's coordinator moved, skipping the replies appended meanwhile (5–31 a
            // run); test/faults/reply-consumer-rejoin.int-spec.ts guards that fix. Counted, not asserted:
            // 1 of 5 runs after it still lost one, cause not found (docs/reliability.md).
            const { decidedAt } = audit;
            const lostReplies = ctx.ledger.entries.filter((e) => e.statuses[0] === 504 && (decidedAt.get(e.commandId) ?? Infinity) - e.sentAt < 5000);
            const during = ctx.ledger.entries.filter((e) => e.sentAt >= window.from && e.sentAt <= window.to);
            const failedOnce = during.filter((e) => e.statuses.some((status) => status >= 500 || status === 0));
            const waits = during.map((e) => ((e.answeredAt ?? Date.now()) - e.sentAt) / 1000).sort((a, b) => a - b);
            process.stdout.write(
              `\n[fault-tier] m: ${steps.join('; ')}; ${during.length} commands sent during the ${((window.to - window.from) / 1000).toFixed(0)} s, ` +
                `${failedOnce.length} answered 5xx or lost at least once (${failedOnce
                  .slice(0, 10)
                  .map((e) => `${e.type} ${e.aggregateId} sent at +${((e.sentAt - window.from) / 1000).toFixed(1)} s: ${e.statuses.join(' ')}`)
                  .join('; ')}), ` +
                `answered in p50 ${waits[Math.floor(waits.length / 2)]?.toFixed(2)} s, max ${waits[waits.length - 1]?.toFixed(2)} s; ` +
                `${lostReplies.length} replies lost (decided within 5 s of the send, yet 504)${lostReplies
                  .map((e) => `; ${e.type} ${e.aggregateId} decided ${(((decidedAt.get(e.commandId) ?? 0) - e.sentAt) / 1000).toFixed(1)} s after its send`)
                  .join('')}\n`,
            );
            return [];
          },
        });
        expectHealthy(result);
      }),
    SCENARIO_TIMEOUT_MS,
  );
});
