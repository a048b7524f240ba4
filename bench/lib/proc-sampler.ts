import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second (USER_HZ): 100 on every mainstream kernel; /proc/<pid>/stat counts in them. */
const TICKS_PER_SECOND = 100;

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly ticks: number;
  readonly rssKiB: number;
  readonly cmd: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: the fields after it start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    // utime + stime of its own threads, plus cutime + cstime: the children it reaped. Without the
    // latter a shell loop that forks `sleep` every second looks free (its cost is all in the sleeps).
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    const rssPages = Number(fields[21]);
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, ppid, ticks, rssKiB: rssPages * 4, cmd };
  } catch {
    return undefined; // gone in between
  }
}

/** Every live process below `root` (and root itself), not descending into the pids in `stopAt`. */
export function processTree(root: number, stopAt: ReadonlySet<number> = new Set()): ProcInfo[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is ProcInfo => p !== undefined);
  const children = new Map<number, ProcInfo[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const self = all.find((p) => p.pid === root);
  const queue = self ? [self] : [];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p.pid) ?? []).filter((c) => !stopAt.has(c.pid)));
  }
  return out;
}

export interface UnitUsage {
  readonly unit: string;
  readonly processes: number;
  /** Percent of one core over the window. */
  readonly cpuPercent: number;
  readonly rssMiB: number;
}

/**
 * CPU of each unit (a named process and all its descendants, except other units' subtrees: a
 * supervisor unit counts itself and its helpers, not the apps it started) over `seconds`, from the
 * utime+stime+cutime+cstime deltas in /proc/<pid>/stat, and its resident size at the end.
 */
export async function sampleUnits(units: Record<string, number>, seconds: number): Promise<UnitUsage[]> {
  const snapshot = () => {
    const byUnit = new Map<string, ProcInfo[]>();
    const roots = new Set(Object.values(units));
    for (const [unit, pid] of Object.entries(units)) byUnit.set(unit, processTree(pid, roots));
    return byUnit;
  };
  const before = snapshot();
  const startedMs = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - startedMs) / 1000;
  const after = snapshot();
  return Object.keys(units).map((unit) => {
    const first = new Map((before.get(unit) ?? []).map((p) => [p.pid, p.ticks]));
    const last = after.get(unit) ?? [];
    // A process born during the window counts from 0.
    const ticks = last.reduce((sum, p) => sum + p.ticks - (first.get(p.pid) ?? 0), 0);
    return {
      unit,
      processes: last.length,
      cpuPercent: Math.round((ticks / TICKS_PER_SECOND / elapsed) * 1000) / 10,
      rssMiB: Math.round(last.reduce((sum, p) => sum + p.rssKiB, 0) / 1024),
    };
  });
}

/** Busy share of the whole machine (all cores, in percent of one core) over `seconds`, from /proc/stat. */
export async function machineBusy(seconds: number): Promise<number> {
  const a = machineBusyTicks();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = machineBusyTicks();
  return Math.round(((b - a) / TICKS_PER_SECOND / seconds) * 1000) / 10;
}

/** Busy clock ticks (1/100 s) of the whole machine so far, every core: /proc/stat's total less idle and iowait. */
export function machineBusyTicks(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  return cpu.reduce((a, b) => a + b, 0) - cpu[3] - cpu[4];
}

/** CPU clock ticks (utime + stime, 1/100 s) a process has used so far, its own threads only. */
export function processTicks(pid: number): number {
  return readProc(pid)?.ticks ?? 0;
}
