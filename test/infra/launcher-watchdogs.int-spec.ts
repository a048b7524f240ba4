import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort, processAlive, waitFor } from '@es/testing';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { throwawayDir } = require('../../tools/postgres/launcher');

const ROOT = join(__dirname, '..', '..');

/**
 * The launchers' watchdogs (tools/process/parent-watchdog.js) as `npm start` uses them: a Node process
 * starts a broker and an embedded PostgreSQL, then dies by SIGKILL, so none of its exit handlers
 * runs. The broker and the database must not outlive it (an orphaned broker holds its port and data
 * dir; the next `npm start` would have to clean up after it).
 */
describe('the Kafka and PostgreSQL launchers', () => {
  it('leave no broker or database behind when their Node process is SIGKILLed', async () => {
    const dir = join(throwawayDir('es-watchdogs-'), 'data');
    const postgresPort = await freePort();
    const script = `
      const { startKafka } = require(${JSON.stringify(join(ROOT, 'tools', 'kafka', 'launcher.js'))});
      const { startPostgres } = require(${JSON.stringify(join(ROOT, 'tools', 'postgres', 'launcher.js'))});
      (async () => {
        const kafka = await startKafka({ dataDir: ${JSON.stringify(join(dir, 'kafka'))}, log: () => {} });
        const postgres = await startPostgres({ dataDir: ${JSON.stringify(join(dir, 'postgres'))}, port: ${postgresPort}, durable: false });
        console.log(JSON.stringify({ kafka: kafka.pid, postgres: postgres.pid }));
        setInterval(() => {}, 1000);
      })().catch((e) => { console.error(e); process.exit(1); });
    `;
    const owner = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let started: { kafka: number; postgres: number } | undefined;
    owner.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const pids = await new Promise<{ kafka: number; postgres: number }>((resolve, reject) => {
        owner.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const line = output.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve(JSON.parse(line) as { kafka: number; postgres: number });
        });
        owner.once('exit', (code) => reject(new Error(`the launcher process exited (${code}) before both servers were up:\n${output}`)));
      });
      started = pids;
      expect(processAlive(pids.kafka) && processAlive(pids.postgres)).toBe(true);
      owner.kill('SIGKILL');
      await waitFor(() => !processAlive(pids.kafka) && !processAlive(pids.postgres), {
        timeoutMs: 40000,
        what: `the broker (pid ${pids.kafka}) and the database (pid ${pids.postgres}) to stop after their owner was SIGKILLed`,
      });
    } finally {
      owner.kill('SIGKILL');
      // A failed run must not leave its servers behind either.
      for (const pid of started ? [started.kafka, started.postgres] : []) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone, as it should be */
        }
      }
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  }, 180000);
});
