// @ts-check
'use strict';
const { spawn } = require('node:child_process');

/**
 * Stops a detached server (the broker, PostgreSQL) when this Node process ends without running its
 * exit handlers (SIGKILL, a crash), without polling: a detached /bin/sh blocks in `read` on a pipe
 * whose only writer is this process. When this process dies, the kernel closes the pipe, `read` sees
 * end-of-file and the shell runs `onParentGone`. When the server exits first, we write a line and the
 * watchdog exits without touching a pid that may have been reused.
 *
 * Why not the former `while kill -0 $parent; do sleep 1; done`: it forked `sleep` every second, and
 * the two watchdogs of `npm start` cost 0.8 % of a core at rest (issue 12; the whole stack's idle
 * target is 5 %). The pipe costs nothing until it is needed.
 *
 * @param {string} name the shell's $0, seen in `ps`
 * @param {string} onParentGone shell commands; `$1`, `$2`… are `args`
 * @param {string[]} args
 * @param {Promise<unknown>} serverExited resolves when the server process has exited
 */
function spawnParentWatchdog(name, onParentGone, args, serverExited) {
  try {
    const watchdog = spawn('/bin/sh', ['-c', `if read -r line; then exit 0; fi; ${onParentGone}`, name, ...args], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    watchdog.on('error', () => {});
    const pipe = watchdog.stdin;
    if (pipe) {
      pipe.on('error', () => {});
      // Neither the child nor its pipe may keep this process alive.
      /** @type {import('node:net').Socket} */ (/** @type {unknown} */ (pipe)).unref();
      void serverExited.then(() => pipe.end('server exited\n'));
    }
    watchdog.unref();
  } catch {
    /* best effort: the exit handlers still stop the server on a normal exit */
  }
}

module.exports = { spawnParentWatchdog };
