// @ts-check
'use strict';
/**
 * `npm stop`: stops a running `npm start` the way Ctrl-C does. npm does not forward signals to the
 * script it runs, so the supervisor writes its pid to <STACK_DATA_DIR or .data>/stack.pid; this
 * sends it SIGTERM and waits until it has stopped the apps, the database and the broker.
 */
const fs = require('node:fs');
const path = require('node:path');

const dataDir = path.resolve(__dirname, '..', '..', process.env.STACK_DATA_DIR || '.data');
const pidFile = path.join(dataDir, 'stack.pid');
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};

const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : 0;
if (!pid || !alive(pid)) {
  process.stdout.write(`[stack] no npm start is running on ${dataDir}\n`);
  process.exit(0);
}
process.kill(pid, 'SIGTERM');
process.stdout.write(`[stack] stopping npm start (pid ${pid})…\n`);
const deadline = Date.now() + 90000;
const timer = setInterval(() => {
  if (!alive(pid)) {
    clearInterval(timer);
    process.stdout.write('[stack] stopped\n');
  } else if (Date.now() > deadline) {
    clearInterval(timer);
    process.stdout.write(`[stack] pid ${pid} is still running after 90 s\n`);
    process.exitCode = 1;
  }
}, 200);
