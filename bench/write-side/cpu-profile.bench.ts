/**
 * Where the CPU of a write goes (issue 12): starts the command processor and the command API of a
 * build with V8's sampling profiler (`--cpu-prof`), drives an open loop of `ReceiveStock` through
 * HTTP, stops the apps (the profiles are written at exit) and prints, per app, the CPU time per
 * command and the self time by where the code lives (kafkajs, Nest, Express, our libs, …) and the
 * hottest functions. Profiles are kept for Chrome DevTools.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/write-side/cpu-profile.bench.ts \
 *     [--root .] [--rate 500] [--seconds 15] [--top 15] [--label x] [--no-profile]
 *
 * `--rate -N` runs a closed loop of N clients instead.
 *
 * Results: bench/results/write-side-cpu-profile[-label].json; profiles in .cache/profiles/<label>/.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomNamespace } from '@es/testing';
import { benchInfra, report, round, runBench, summarize } from '../lib/bench-infra';
import { startBuiltApp, type BuiltApp } from '../lib/build-apps';
import { fixedRate, post, saturate } from '../lib/http-load';
import { processTicks } from '../lib/proc-sampler';

const argv = process.argv;
const opt = (name: string, fallback: string) => (argv.indexOf(`--${name}`) > 0 ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const ROOT = resolve(opt('root', '.'));
const RATE = Number(opt('rate', '500'));
const SECONDS = Number(opt('seconds', '15'));
const TOP = Number(opt('top', '15'));
const LABEL = opt('label', '');
/** `--no-profile`: the same run without the profiler (its overhead), for the histograms and CPU only. */
const PROFILE = !argv.includes('--no-profile');
const PRODUCTS = 1000;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package under node_modules, our dist bundle, Node itself, or V8. */
function owner(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  if (url.includes('/dist/apps/')) return 'project code';
  return url.split('/').slice(-2).join('/');
}

/** Self time by owner and by function, over the samples between `from` and `to` (µs since profile start). */
function summarizeProfile(profile: CpuProfile, fromUs: number, toUs: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByOwner = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  let t = 0;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    t += profile.timeDeltas[i];
    const delta = profile.timeDeltas[i + 1] ?? 0;
    if (t < fromUs || t > toUs) continue;
    const node = byId.get(profile.samples[i])!;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)' || name === '(root)') continue;
    const who = owner(node.callFrame.url, name);
    selfByOwner.set(who, (selfByOwner.get(who) ?? 0) + delta);
    const fn = `${name} ${node.callFrame.url.split('/').slice(-1)[0]}:${node.callFrame.lineNumber + 1}`;
    selfByFunction.set(`${who} | ${fn}`, (selfByFunction.get(`${who} | ${fn}`) ?? 0) + delta);
    total += delta;
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => ({ where: k, ms: round(v / 1000, 0), share: `${round((100 * v) / total, 1)} %` }));
  return { busyMs: total / 1000, owners: top(selfByOwner, 12), functions: top(selfByFunction, TOP) };
}

/** `name{labels} value` lines of a Prometheus exposition whose name starts with one of `prefixes`. */
async function scrape(url: string, prefixes: string[]): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !prefixes.some((p) => line.startsWith(p))) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** Mean of each histogram (`_sum` / `_count`) over the load, and its count. */
function histogramMeans(before: Map<string, number>, after: Map<string, number>) {
  const rows: Record<string, unknown>[] = [];
  for (const [key, sum] of after) {
    if (!key.includes('_sum')) continue;
    const countKey = key.replace('_sum', '_count');
    const n = (after.get(countKey) ?? 0) - (before.get(countKey) ?? 0);
    if (n <= 0) continue;
    rows.push({ histogram: key.replace('_sum', ''), count: n, 'mean ms': round(((sum - (before.get(key) ?? 0)) / n) * 1000, 2) });
  }
  return rows;
}

const OBSERVED = ['es_command_batch_seconds', 'es_command_tx_phase_seconds', 'es_commands_total', 'http_request_duration_seconds'];

async function main() {
  const infra = await benchInfra();
  const dir = resolve('.cache', 'profiles', LABEL || 'latest');
  rmSync(dir, { recursive: true, force: true });
  const apps: Record<string, BuiltApp> = {};
  const out: Record<string, unknown>[] = [];
  try {
    const ns = randomNamespace('p');
    for (const app of ['command-processor', 'command-api']) {
      mkdirSync(join(dir, app), { recursive: true });
      apps[app] = await startBuiltApp(ROOT, app, { ES_NAMESPACE: ns }, PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, app)}`] : []);
    }
    const api = apps['command-api'].url;
    for (let i = 0; i < PRODUCTS; i += 1) await post(`${api}/products`, { sku: `SKU-${i}`, name: `Product ${i}` });
    const receive = async (i: number) => (await post(`${api}/products/SKU-${i % PRODUCTS}/stock`, { quantity: 1 })).status === 200;
    await saturate(16, 5, receive);
    const startedAt = Date.now();
    const scraped = await Promise.all(Object.values(apps).map((a) => scrape(a.url, OBSERVED)));
    const before = Object.fromEntries(Object.entries(apps).map(([name, a]) => [name, processTicks(a.pid)]));
    const load = RATE > 0 ? await fixedRate(RATE, SECONDS, receive) : await saturate(-RATE, SECONDS, receive);
    const after = Object.fromEntries(Object.entries(apps).map(([name, a]) => [name, processTicks(a.pid)]));
    const endedAt = Date.now();
    const histograms = (await Promise.all(Object.values(apps).map((a) => scrape(a.url, OBSERVED)))).flatMap((m, i) => histogramMeans(scraped[i], m));
    console.table(histograms);
    const lat = summarize(load.latenciesMs);
    process.stderr.write(`load: ${load.ok} ok / ${load.sent} in ${round(load.seconds)} s; p50 ${lat.p50} ms, p99 ${lat.p99} ms\n`);
    const exitedAt: Record<string, number> = {};
    for (const [name, app] of Object.entries(apps)) {
      await app.stop();
      exitedAt[name] = Date.now();
      delete apps[name];
    }
    for (const name of Object.keys(before)) {
      const cpuMs = ((after[name] - before[name]) * 1000) / 100;
      out.push({ app: name, 'cpu ms (/proc)': round(cpuMs, 0), 'cpu µs per command': round((cpuMs * 1000) / load.ok, 0) });
      if (!PROFILE) continue;
      const file = readdirSync(join(dir, name)).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no profile written for ${name} in ${join(dir, name)}`);
      const profile = JSON.parse(readFileSync(join(dir, name, file), 'utf8')) as CpuProfile;
      // Keep the samples of the load window: the profile covers the whole process life (its clock has
      // an arbitrary origin), so the window is placed back from the profile's end by the wall time
      // the shutdown took.
      const lifeUs = profile.endTime - profile.startTime;
      const shutdownUs = Math.max(0, (exitedAt[name] - endedAt) * 1000);
      const toUs = lifeUs - shutdownUs;
      const fromUs = toUs - (endedAt - startedAt) * 1000;
      const s = summarizeProfile(profile, fromUs, toUs);
      console.log(`\n${name}: ${round(cpuMs, 0)} ms CPU over the load (${round((cpuMs * 1000) / load.ok, 0)} µs per command); JS self time by owner:`);
      console.table(s.owners);
      console.table(s.functions);
      out.push({ app: name, 'profiled ms (wall samples)': round(s.busyMs, 0), owners: s.owners, functions: s.functions });
    }
    report(`write-side-cpu-profile${LABEL ? `-${LABEL}` : ''}`, out, { root: ROOT, rate: RATE, seconds: SECONDS, latency: lat, ok: load.ok, histograms });
  } finally {
    for (const app of Object.values(apps)) await app.stop();
    await infra.stop();
  }
}

runBench(main);
