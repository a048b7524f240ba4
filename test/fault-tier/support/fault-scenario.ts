import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keysCoveringPartitions, randomNamespace } from '@es/testing';
import { CommandLedger } from './command-ledger';
import { KafkaInfra, PostgresInfra, SystemUnderTest, ADMIN_TOKEN, kafkaClient, ROOT } from './system-under-test';
import { auditTopics, compareReadModels, Audit } from './topic-audit';
import { measureRecovery, recoveryTargets, runLoad } from './workload';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const PARTITIONS = 3;
const LOAD_SKUS = ['L0', 'L1', 'L2', 'L3', 'L4', 'L5'];
/** Load before the fault, and after it. */
const BEFORE_MS = Number(process.env.FAULT_LOAD_BEFORE_MS ?? 8000);
const AFTER_MS = Number(process.env.FAULT_LOAD_AFTER_MS ?? 20000);
const CLIENTS = Number(process.env.FAULT_CLIENTS ?? 8);
/** A target that has not served end to end this long after the fault counts as not recovered. */
const RECOVERY_DEADLINE_MS = 90000;
const SETTLE_MS = 90000;

export interface ScenarioContext {
  readonly namespace: string;
  readonly kafka: KafkaInfra;
  readonly postgres: PostgresInfra;
  readonly sut: SystemUnderTest;
  /** Every command of the load and its outcome (e.g. to count what was acknowledged during a fault). */
  readonly ledger: CommandLedger;
}

export interface InjectedFault {
  /** When the fault happened (recovery is measured from here). */
  readonly at: number;
  /** Resolves when the harness has brought the killed infrastructure back (if it does). */
  readonly healed?: Promise<unknown>;
  readonly description: string;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly fault: string;
  readonly acknowledged: number;
  readonly refused: number;
  readonly unknown: number;
  /** Acknowledged commands that needed more than one attempt (503/504/connection lost, retried with the same key). */
  readonly retried: number;
  readonly lost: string[];
  readonly doubled: string[];
  readonly phantom: string[];
  readonly undecided: string[];
  readonly stock: string[];
  readonly readModels: string[];
  readonly crashed: string[];
  /** Seconds from the fault until every partition served end to end again; null = never (within the deadline). */
  readonly recoverySeconds: number | null;
  readonly recoveryByTarget: Record<string, number | undefined>;
  readonly audit: Audit;
  readonly durationSeconds: number;
  readonly extra: string[];
  passed: boolean;
  /** Last output of every app, kept when the scenario failed (for the summary file). */
  appLogs?: Record<string, string>;
  /** When the scenario failed: what the apps warned about from the fault on (see `logTimeline`). */
  timeline?: string[];
}

export const results: ScenarioResult[] = [];

/**
 * One fault scenario, end to end: start the apps on the given infrastructure, register products,
 * run the load, inject the fault mid-load, keep loading, measure the recovery, let it settle, then
 * audit the topics and the read models. Returns the figures; the caller asserts on them.
 */
export async function runFaultScenario(o: {
  name: string;
  kafka: KafkaInfra;
  postgres: PostgresInfra;
  processors?: number;
  env?: Record<string, string>;
  inject(ctx: ScenarioContext): Promise<InjectedFault>;
  /** Extra checks after the audit (e.g. the dead letter); returns problems. */
  verify?(ctx: ScenarioContext, audit: Audit): Promise<string[]>;
  /** Malformed records the scenario put on the event topics itself. */
  expectMalformed?: number;
  /** Load after the fault starts (a long fault schedule needs more than the default). */
  afterMs?: number;
}): Promise<ScenarioResult> {
  const started = Date.now();
  const namespace = randomNamespace('fault');
  const env = {
    ES_NAMESPACE: namespace,
    KAFKA_BROKERS: o.kafka.brokers,
    DATABASE_URL: o.postgres.url,
    TOPIC_PARTITIONS: String(PARTITIONS),
    TOPIC_REPLICATION_FACTOR: String(o.kafka.replicationFactor),
    TOPIC_MIN_INSYNC_REPLICAS: String(o.kafka.minInsyncReplicas),
    ADMIN_TOKEN,
    // Assignments and restores are logged at info: the timeline of a failed scenario needs them.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    ...(o.env ?? {}),
  };
  const sut = await SystemUnderTest.start(env, { processors: o.processors ?? 1 });
  const ledger = new CommandLedger(() => sut.commandApi, namespace);
  const ctx: ScenarioContext = { namespace, kafka: o.kafka, postgres: o.postgres, sut, ledger };
  let faultStarted = started;
  try {
    const probeSkus = keysCoveringPartitions(PARTITIONS, (i) => `P${i}`);
    const setup = await Promise.all([...LOAD_SKUS, ...probeSkus].map((sku) => ledger.registerProduct(sku)));
    setup.push(...(await Promise.all([...LOAD_SKUS.map((sku) => ledger.receiveStock(sku, 40)), ...probeSkus.map((sku) => ledger.receiveStock(sku, 1000))])));
    const failedSetup = setup.filter((e) => e.outcome !== 'acked');
    if (failedSetup.length > 0)
      throw new Error(`setup commands failed before any fault: ${JSON.stringify(failedSetup.map((e) => [e.type, e.aggregateId, e.statuses]))}`);

    const loadUntil = Date.now() + BEFORE_MS + (o.afterMs ?? AFTER_MS);
    ledger.retryUntil = loadUntil + 60000;
    const load = runLoad(ledger, { clients: CLIENTS, skus: LOAD_SKUS, until: loadUntil, seed: 7 });
    await sleep(BEFORE_MS);
    faultStarted = Date.now();
    const fault = await o.inject(ctx);
    const recoveryByTarget = await measureRecovery(
      recoveryTargets(ledger, probeSkus, PARTITIONS),
      () => sut.queryApi,
      fault.at,
      fault.at + RECOVERY_DEADLINE_MS,
    );
    await load;
    await fault.healed;
    await ledger.drain();

    // Let the fulfillment process and the projections settle, then audit (again, until it holds or time is up).
    const kafka = kafkaClient(o.kafka.brokers);
    const settleUntil = Date.now() + SETTLE_MS;
    let audit: Audit;
    let readModels: string[];
    for (;;) {
      try {
        audit = await auditTopics(kafka, namespace, ledger.entries);
        readModels = await compareReadModels(sut.queryApi, audit);
      } catch (error) {
        // Reading the topics can meet the cluster still settling (a leader moving back): read again.
        if (Date.now() > settleUntil) throw error;
        await sleep(3000);
        continue;
      }
      const settled = audit.undecided.length === 0 && audit.stock.length === 0 && readModels.length === 0;
      if (settled || Date.now() > settleUntil) break;
      await sleep(3000);
    }
    const extra = o.verify ? await o.verify(ctx, audit) : [];
    if (audit.malformed.length !== (o.expectMalformed ?? 0)) extra.push(`malformed records on the event topics: ${JSON.stringify(audit.malformed)}`);
    const times = Object.values(recoveryByTarget);
    const recoverySeconds = times.some((t) => t === undefined) ? null : Math.max(...(times as number[]));
    const result: ScenarioResult = {
      scenario: o.name,
      fault: fault.description,
      acknowledged: audit.acknowledged,
      refused: audit.refused,
      unknown: audit.unknown,
      retried: ledger.entries.filter((e) => e.outcome === 'acked' && e.statuses.length > 1).length,
      lost: audit.lost,
      doubled: audit.doubled,
      phantom: audit.phantom,
      undecided: audit.undecided,
      stock: audit.stock,
      readModels,
      crashed: sut.crashed(),
      recoverySeconds,
      recoveryByTarget,
      audit,
      durationSeconds: (Date.now() - started) / 1000,
      extra,
      passed: false,
    };
    result.passed =
      [result.lost, result.doubled, result.phantom, result.undecided, result.stock, result.readModels, result.crashed, result.extra].every(
        (l) => l.length === 0,
      ) && recoverySeconds !== null;
    if (!result.passed) {
      result.appLogs = Object.fromEntries(sut.apps.map((a, i) => [`${a.app}#${i}`, a.output().slice(-3000)]));
      result.timeline = logTimeline(sut.apps, fault.at);
    }
    results.push(result);
    return result;
  } catch (error) {
    // The scenario could not run to its audit (an app that did not come back, setup refused): the
    // apps' warnings since the fault are what explains it, in the failure itself.
    const timeline = logTimeline(sut.apps, faultStarted);
    (error as Error).message += `\n--- the apps' warnings from the fault on (s, app, message) ---\n${timeline.join('\n')}`;
    throw error;
  } finally {
    keepAppLogs(o.name, sut);
    await sut.stop();
  }
}

/**
 * Every app's output of a scenario, whole, in .data/fault-tier/logs/<scenario>/<app>#<i>.log: a slow
 * or failed recovery is explained by what the apps logged around the fault (run with LOG_LEVEL=info
 * for the assignments and restores), and a passing run is the baseline to compare it with.
 */
function keepAppLogs(scenario: string, sut: SystemUnderTest): void {
  const dir = join(ROOT, '.data', 'fault-tier', 'logs', scenario.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, ''));
  mkdirSync(dir, { recursive: true });
  sut.apps.forEach((a, i) => writeFileSync(join(dir, `${a.app}#${i}.log`), a.output()));
}

/**
 * The apps' warnings and errors from a few seconds before the fault on, one short line each
 * (seconds after the fault, app, message), repeats folded: a failed CI run is then explained by its
 * own output — the machine that ran it, and its .data/, are gone by the time anyone reads it.
 */
export function logTimeline(apps: readonly { app: string; output(): string }[], faultAt: number, max = 40): string[] {
  const entries: { at: number; text: string }[] = [];
  for (const app of apps) {
    for (const line of app.output().split('\n')) {
      if (!line.startsWith('{')) continue;
      let log: Record<string, unknown>;
      try {
        log = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const at = Date.parse(String(log.time));
      const notable = log.level === 'warn' || log.level === 'error' || (log.level === 'info' && /assigned|restored|started/.test(String(log.msg)));
      if (!(at >= faultAt - 3000) || !notable) continue;
      const where = ['context', 'partition', 'consumer', 'projection'].flatMap((k) => (log[k] === undefined ? [] : [`${k}=${String(log[k])}`])).join(' ');
      const error = typeof log.error === 'string' ? ` — ${log.error.slice(0, 90)}` : '';
      entries.push({ at, text: `${app.app} ${String(log.level)}: ${String(log.msg).slice(0, 90)}${where ? ` (${where})` : ''}${error}` });
    }
  }
  entries.sort((a, b) => a.at - b.at);
  const folded: { at: number; text: string; count: number }[] = [];
  for (const e of entries) {
    const same = folded.find((f) => f.text === e.text);
    if (same) same.count++;
    else folded.push({ ...e, count: 1 });
  }
  const lines = folded.map((f) => `+${((f.at - faultAt) / 1000).toFixed(1)} s ${f.text}${f.count > 1 ? ` (×${f.count})` : ''}`);
  return lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more`] : lines;
}

/** Everything that went wrong, for a readable failure message (first few of each kind). */
export function problems(r: ScenarioResult): Record<string, string[]> {
  const take = (l: string[]) => l.slice(0, 5).concat(l.length > 5 ? [`… ${l.length - 5} more`] : []);
  const out: Record<string, string[]> = {};
  for (const [k, l] of Object.entries({
    lost: r.lost,
    doubled: r.doubled,
    phantom: r.phantom,
    undecided: r.undecided,
    stock: r.stock,
    readModels: r.readModels,
    crashed: r.crashed,
    extra: r.extra,
  })) {
    if (l.length > 0) out[k] = take(l);
  }
  if (r.recoverySeconds === null)
    out.notRecovered = Object.entries(r.recoveryByTarget)
      .filter(([, t]) => t === undefined)
      .map(([k]) => k);
  // last, so that a failure message shows what failed before the log lines that explain it
  if (r.timeline) out.timeline = r.timeline;
  return out;
}

/** The summary table (printed after the run and written to .data/fault-tier/summary.{md,json}). */
export function summaryTable(rows: readonly ScenarioResult[]): string {
  const header = '| scenario | acknowledged (retried) | lost | doubled | undecided | stock / read-model diffs | recovery s | result |';
  const lines = rows.map(
    (r) =>
      `| ${r.scenario} | ${r.acknowledged} (${r.retried}) | ${r.lost.length} | ${r.doubled.length} | ${r.undecided.length} | ${r.stock.length} / ${r.readModels.length} | ${r.recoverySeconds === null ? 'not recovered' : r.recoverySeconds.toFixed(1)} | ${r.passed ? 'PASS' : 'FAIL'} |`,
  );
  return [header, '|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}

export function writeSummary(root: string, rows: readonly ScenarioResult[]): string {
  const dir = join(root, '.data', 'fault-tier');
  mkdirSync(dir, { recursive: true });
  const table = summaryTable(rows);
  writeFileSync(join(dir, 'summary.md'), `${table}\n`);
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify(
      rows.map(({ audit: _audit, ...r }) => ({ ...r, problems: problems(r as ScenarioResult) })),
      null,
      2,
    ),
  );
  return table;
}
