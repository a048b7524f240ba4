import { AppProcess, startApp, waitFor } from '@es/testing';

/** Every projection of the system, in the order GET /projections lists them. */
export const PROJECTIONS = ['orders', 'inventory', 'event-index-orders', 'event-index-inventory'];

/**
 * All seven apps in one namespace, keyed by name. The read side first, then the processor, the saga
 * and the query API (they provision nothing the command API needs), the command API last.
 */
export async function startWholeStack(env: Record<string, string>): Promise<Record<string, AppProcess>> {
  const apps: Record<string, AppProcess> = {};
  const start = (names: string[]) => Promise.all(names.map(async (app) => (apps[app] = await startApp(app, env))));
  await start(['orders-projector', 'inventory-projector', 'event-index-projector']);
  await start(['command-processor', 'fulfillment-saga', 'query-api']);
  await start(['command-api']);
  return apps;
}

/**
 * GET /projections once every projection has caught up or is no longer RUNNING (so RUNNING afterwards
 * is not merely "has not reached the bad event yet"). On timeout the error carries the last answer and
 * the tail of every app's log.
 */
export async function settledProjections(apps: Record<string, AppProcess>, timeoutMs: number): Promise<any[]> {
  let last: unknown;
  return waitFor(
    async () => {
      const body = (await (await fetch(`${apps['query-api'].url}/projections`)).json()) as any[];
      last = body.map((p) => ({ name: p.name, status: p.status, lag: p.lag, deadLetters: p.deadLetters.length }));
      return body.every((p) => p.lag === 0 || p.status !== 'RUNNING') && body;
    },
    { timeoutMs, what: 'the projections to settle' },
  ).catch((error: Error) => {
    const logs = Object.values(apps).map((a) => `--- ${a.app} ---\n${a.output().slice(-3000)}`);
    throw new Error(`${error.message}; last seen ${JSON.stringify(last)}\n${logs.join('\n')}`);
  });
}
