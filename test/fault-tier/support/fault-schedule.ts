import { seededRandom } from './workload';

/**
 * A seeded schedule of overlapping faults (fault tier scenario (f)). One hand-picked fault at a time
 * proves each recovery path; users meet them together — the broker comes back while a projector is
 * restarting, PostgreSQL dies while the processor rebuilds. The seed makes a failing schedule
 * repeatable (FAULT_SCHEDULE_SEED), and its description is printed with the result.
 */
export const FAULT_TARGETS = [
  'broker',
  'postgres',
  'command-processor',
  'fulfillment-saga',
  'orders-projector',
  'inventory-projector',
  'query-api',
  'command-api',
] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];

export interface PlannedFault {
  readonly target: FaultTarget;
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

/**
 * `count` faults, one every 1.5–5 s, each down 1–6 s, so that some overlap. A target is not drawn
 * again until well after it came back (its restart takes seconds of its own).
 */
export function planFaults(seed: number, count: number): PlannedFault[] {
  const random = seededRandom(seed);
  const busyUntil = new Map<FaultTarget, number>();
  const plan: PlannedFault[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const free = FAULT_TARGETS.filter((t) => (busyUntil.get(t) ?? -1) < at);
    const target = free[Math.floor(random() * free.length)];
    const downMs = Math.round(1000 + random() * 5000);
    plan.push({ target, atMs: at, downMs });
    busyUntil.set(target, at + downMs + 15000);
    at += Math.round(1500 + random() * 3500);
  }
  return plan;
}

export function describePlan(seed: number, plan: readonly PlannedFault[]): string {
  const steps = plan.map((f) => `+${(f.atMs / 1000).toFixed(1)} s ${f.target} down ${(f.downMs / 1000).toFixed(1)} s`);
  return `seed ${seed}: SIGKILL ${steps.join('; ')}`;
}

/**
 * Runs the plan against real processes: each fault at its time, overlapping with the others.
 * Resolves when every target has been restored, with what happened when (for the failure report).
 */
export async function runFaultSchedule(plan: readonly PlannedFault[], handlers: Record<FaultTarget, FaultHandler>): Promise<string[]> {
  const started = Date.now();
  const log: string[] = [];
  const note = (what: string) => log.push(`+${((Date.now() - started) / 1000).toFixed(1)} s ${what}`);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
  // Faults of one target wait for each other: a restart that takes long is not cut short by the next kill.
  const previous = new Map<FaultTarget, Promise<void>>();
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
