import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { processAlive, waitFor } from '@es/testing';

/**
 * The watchdog with real processes: a parent Node process starts a "server" (`sleep`, detached, as the
 * launchers start the broker and PostgreSQL) and its watchdog, then the parent is SIGKILLed — no exit
 * handler runs — and the server must go; or the server exits first and the watchdog must go too.
 */
const WATCHDOG = join(__dirname, 'parent-watchdog.js');

const parentScript = `
const { spawn } = require('node:child_process');
const { spawnParentWatchdog } = require(${JSON.stringify(WATCHDOG)});
const server = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
server.unref();
const exited = new Promise((resolve) => server.once('exit', resolve));
spawnParentWatchdog('test-watchdog', 'kill -TERM "$1" 2>/dev/null', [String(server.pid)], exited);
console.log(server.pid);
setInterval(() => {}, 1000);
`;

const watchdogsOf = (serverPid: number) =>
  spawnSync('pgrep', ['-f', `test-watchdog ${serverPid}$`], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);

async function startParent(): Promise<{ parentPid: number; serverPid: number }> {
  const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  const serverPid = await new Promise<number>((resolve, reject) => {
    parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before starting its server`)));
  });
  await waitFor(() => watchdogsOf(serverPid).length === 1, { timeoutMs: 5000, intervalMs: 50, what: 'the watchdog to start' });
  return { parentPid: parent.pid!, serverPid };
}

describe('spawnParentWatchdog', () => {
  it('stops the server when its parent is SIGKILLed (no exit handler runs), without polling', async () => {
    const { parentPid, serverPid } = await startParent();
    // Blocked in read(2) on the pipe: the watchdog has no children (the old loop forked `sleep` every second).
    const [watchdog] = watchdogsOf(serverPid);
    expect(spawnSync('pgrep', ['-P', String(watchdog)]).status).toBe(1);
    process.kill(parentPid, 'SIGKILL');
    await waitFor(() => !processAlive(serverPid), { timeoutMs: 5000, intervalMs: 50, what: 'the server to be stopped' });
    await waitFor(() => watchdogsOf(serverPid).length === 0, { timeoutMs: 5000, intervalMs: 50, what: 'the watchdog to exit' });
  });

  it('exits, leaving the pid alone, when the server exits first', async () => {
    const { parentPid, serverPid } = await startParent();
    process.kill(serverPid, 'SIGKILL');
    await waitFor(() => watchdogsOf(serverPid).length === 0, { timeoutMs: 5000, intervalMs: 50, what: 'the watchdog to exit' });
    expect(processAlive(parentPid)).toBe(true);
    process.kill(parentPid, 'SIGKILL');
  });
});
