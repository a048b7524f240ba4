import type { AppProcess } from '@es/testing';
import { seededRandom } from './workload';
import type { KafkaInfra, PostgresInfra, SystemUnderTest } from './system-under-test';
import { restartPostgres, SUT_APPS } from './system-under-test';

/**
 * A seeded schedule of overlapping faults (fault tier scenarios (f) and (g)). One hand-picked fault at
 * a time proves each recovery path; users meet them together — the broker comes back while a
 * projector is restarting, PostgreSQL dies while the processor rebuilds. The seed makes a failing
 * schedule repeatable (FAULT_SCHEDULE_SEED), and its description is printed with the result.
 */
export interface PlannedFault {
  /** A key of the handlers: `broker` (or `broker <nodeId>` in a cluster), `postgres`, an app's name. */
  readonly target: string;
  /** From the start of the schedule. */
  readonly atMs: number;
  /** How long the target stays down before it is brought back. */
  readonly downMs: number;
}

/** Kills one target (SIGKILL) and brings it back; `restore` resolves once it serves again, with a remark for the log. */
export interface FaultHandler {
  kill(): Promise<void>;
  restore(): Promise<string | void>;
}

/** What a schedule can kill: each broker (by node id in a cluster), PostgreSQL, each of the apps. */
export function faultTargets(kafka: KafkaInfra, processors = 1): string[] {
  return [...brokerNodes(kafka).map((b) => b.target), 'postgres', ...appInstances(processors).map((a) => a.target)];
}

/** Each Kafka node: `broker` alone, `broker <nodeId>` in a cluster. */
function brokerNodes(kafka: KafkaInfra): { target: string; node: KafkaInfra['nodes'][number] }[] {
  return kafka.nodes.map((node) => ({ target: kafka.nodes.length === 1 ? 'broker' : `broker ${node.nodeId}`, node }));
}

/** Each app process of the system under test: `command-processor 1`, `command-processor 2` when there are two. */
function appInstances(processors: number): { target: string; app: string; index: number }[] {
  return SUT_APPS.flatMap((app) => {
    const count = app === 'command-processor' ? processors : 1;
    return Array.from({ length: count }, (_, index) => ({ target: count > 1 ? `${app} ${index + 1}` : app, app, index }));
  });
}

/**
 * `count` faults, one every 1.5–5 s, each down 1–6 s, so that some overlap. A target is not drawn
 * again until well after it came back (its restart takes seconds of its own).
 */
export function planFaults(seed: number, count: number, targets: readonly string[]): PlannedFault[] {
  const random = seededRandom(seed);
  const busyUntil = new Map<string, number>();
  const plan: PlannedFault[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const free = targets.filter((t) => (busyUntil.get(t) ?? -1) < at);
    const target = free[Math.floor(random() * free.length)];
    const downMs = Math.round(1000 + random() * 5000);
    plan.push({ target, atMs: at, downMs });
    busyUntil.set(target, at + downMs + 15000);
    at += Math.round(1500 + random() * 3500);
  }
  return plan;
}

/**
 * How each target is killed (SIGKILL) and brought back: a Kafka node restarted on its data and
 * ports, PostgreSQL on its data dir and port, an app process started again on its port (as a
 * supervisor or an orchestrator would) and healthy. `postgres` is the current server (it changes on
 * a restart). The keys are those of faultTargets.
 */
export function faultHandlers(sut: SystemUnderTest, kafka: KafkaInfra, postgres: { current: PostgresInfra }): Record<string, FaultHandler> {
  const handlers: Record<string, FaultHandler> = {
    postgres: {
      kill: async () => void process.kill(postgres.current.pid, 'SIGKILL'),
      restore: async () => void (postgres.current = await restartPostgres(postgres.current)),
    },
  };
  for (const { target, node } of brokerNodes(kafka)) {
    handlers[target] = { kill: () => node.kill(), restore: () => node.restart().then(() => undefined) };
  }
  for (const { target, app, index } of appInstances(sut.apps.filter((a) => a.app === 'command-processor').length)) {
    // The process of this slot changes with every restart: the one killed last is the one revived.
    let killed: AppProcess;
    handlers[target] = {
      kill: async () => {
        killed = sut.app(app, index);
        await sut.kill(killed);
      },
      restore: async () => {
        // How often its start met a dependency that was down (bootstrap() starts again).
        const interrupted = (await sut.revive(killed)).output().split('start interrupted').length - 1;
        return interrupted > 0 ? `after ${interrupted} interrupted start${interrupted > 1 ? 's' : ''}` : undefined;
      },
    };
  }
  return handlers;
}

export function describePlan(seed: number, plan: readonly PlannedFault[]): string {
  const steps = plan.map((f) => `+${(f.atMs / 1000).toFixed(1)} s ${f.target} down ${(f.downMs / 1000).toFixed(1)} s`);
  return `seed ${seed}: SIGKILL ${steps.join('; ')}`;
}

/**
 * Runs the plan against real processes: each fault at its time, overlapping with the others.
 * Resolves when every target has been restored, with what happened when (for the failure report).
 */
export async function runFaultSchedule(plan: readonly PlannedFault[], handlers: Record<string, FaultHandler>): Promise<string[]> {
  const started = Date.now();
  const log: string[] = [];
  const note = (what: string) => log.push(`+${((Date.now() - started) / 1000).toFixed(1)} s ${what}`);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
  // Faults of one target wait for each other: a restart that takes long is not cut short by the next kill.
  const previous = new Map<string, Promise<void>>();
  await Promise.all(
    plan.map(async (fault) => {
      const before = previous.get(fault.target);
      let done!: () => void;
      previous.set(fault.target, new Promise<void>((r) => (done = r)));
      await sleep(started + fault.atMs - Date.now());
      await before;
      await handlers[fault.target].kill().catch((e) => {
        done();
        throw e;
      });
      note(`killed ${fault.target}`);
      await sleep(fault.downMs);
      const remark = await handlers[fault.target].restore().finally(done);
      note(`${fault.target} back${remark ? ` (${remark})` : ''}`);
    }),
  );
  return log;
}
