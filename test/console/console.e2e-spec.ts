import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AppProcess, findChromium, randomNamespace, startApp, waitFor } from '@es/testing';
import { ReadSideFixture } from '../read-side/support/read-side.fixture';

// Only inside page.evaluate / waitForFunction, which run in the browser (this project has no DOM lib).
declare const document: any;
declare const sessionStorage: any;

const ADMIN_TOKEN = 'console-test-admin-token';
// Screenshots go to a temporary directory, so a test run leaves the tree clean; the README's images
// are refreshed with CONSOLE_SCREENSHOT_DIR=docs.
const SHOTS = resolve(__dirname, '..', '..', process.env.CONSOLE_SCREENSHOT_DIR ?? join(tmpdir(), 'es-console-screenshots'));

/**
 * The operations console in a real Chromium (playwright-core; the browser comes from the system:
 * `apt-get install -y chromium`, or CHROMIUM_PATH): the whole system runs, an order goes through the
 * command API, and the console finds it, shows its timeline and trace, rebuilds a projection and
 * skips a dead letter — with the admin token typed once into the page.
 */
describe('operations console in a browser', () => {
  const fx = new ReadSideFixture(randomNamespace('console'));
  const apps: Record<string, AppProcess> = {};
  let browser: Browser;
  let page: Page;
  const orderId = randomUUID();
  const correlationId = randomUUID();

  beforeAll(async () => {
    const executablePath = findChromium();
    await fx.setUp();
    const env = { ...fx.env, ADMIN_TOKEN, PROJECTION_DROP_OLD_VERSION_AFTER_MS: '1000' };
    for (const app of [
      'command-processor',
      'fulfillment-saga',
      'orders-projector',
      'inventory-projector',
      'event-index-projector',
      'query-api',
      'command-api',
    ]) {
      apps[app] = await startApp(app, env);
    }
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => process.stderr.write(`console page error: ${error.message}\n`));
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(Object.values(apps).map((a) => a.stop()));
    await fx.tearDown();
  });

  async function command(path: string, body: unknown): Promise<any> {
    const res = await fetch(`${apps['command-api'].url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Correlation-Id': correlationId },
      body: JSON.stringify(body),
    });
    expect(res.status).toBeLessThan(300);
    return res.json();
  }

  it('finds an order placed through the command API and shows its timeline, the state after each event and its trace', async () => {
    await command('/products', { sku: 'CONSOLE-1', name: 'Console anvil' });
    await command('/products/CONSOLE-1/stock', { quantity: 10 });
    await command('/orders', { orderId, customerId: 'c-console', lines: [{ sku: 'CONSOLE-1', quantity: 2, unitPriceCents: 500 }] });

    await page.goto(`${apps['query-api'].url}/console`);
    await page.fill('#token-input', ADMIN_TOKEN);
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('#token-state.ok');
    // The token lives in the tab's session only, never in the URL.
    expect(page.url()).not.toContain(ADMIN_TOKEN);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(['es-console-admin-token']);

    await page.selectOption('#aggregate-context', 'orders');
    await page.fill('#aggregate-id', orderId);
    // The fulfillment saga confirms the order a moment later: look again until it has.
    await waitFor(
      async () => {
        await page.click('#aggregate-form button[type=submit]');
        return (await page.waitForSelector('#timeline li[data-event-type="OrderConfirmed"]', { timeout: 1500 }).catch(() => null)) !== null;
      },
      { what: 'the confirmed order in the console timeline', timeoutMs: 30000 },
    );
    const types = await page.$$eval('#timeline li', (items) => items.map((li) => li.getAttribute('data-event-type')));
    expect(types).toEqual(['OrderPlaced', 'OrderLineReserved', 'OrderConfirmed']);
    // The state after each event, as the domain's evolve folds it.
    await page.waitForFunction(() => document.querySelectorAll('#timeline [data-state-version] pre').length === 3);
    const states = await page.$$eval('#timeline [data-state-version] pre', (pres) => pres.map((p) => JSON.parse(p.textContent ?? '{}')));
    expect(states.map((s) => [s.version, s.status])).toEqual([
      [1, 'PENDING'],
      [2, 'PENDING'],
      [3, 'CONFIRMED'],
    ]);
    expect(states[1].lineOutcomes).toEqual({ 'CONSOLE-1': { outcome: 'RESERVED' } });
    await page.screenshot({ path: join(SHOTS, 'console-timeline.png'), fullPage: true });

    // Follow the request's correlation id: the order's events and the stock reservation it caused.
    await page.click('#timeline li[data-event-type="OrderPlaced"] button[data-action=follow]');
    await page.waitForSelector('#trace li[data-event-type="StockReserved"]');
    const trace = await page.$$eval('#trace ol li', (items) => items.map((li) => li.getAttribute('data-event-type')));
    expect(trace.indexOf('OrderPlaced')).toBeLessThan(trace.indexOf('StockReserved'));
    expect(trace.indexOf('StockReserved')).toBeLessThan(trace.indexOf('OrderLineReserved'));
    expect(trace.indexOf('OrderLineReserved')).toBeLessThan(trace.indexOf('OrderConfirmed'));
    expect(await page.inputValue('#correlation-id')).toBe(correlationId);
  });

  it('starts a rebuild and shows it finish on the new version', async () => {
    const row = '#projection-rows tr[data-projection="orders"]';
    await page.waitForSelector(`${row} [data-field=status].RUNNING`);
    expect(await page.textContent(`${row} [data-field=version]`)).toBe('v1');
    await page.click(`${row} button[data-action=rebuild]`);
    await page.waitForSelector('#message.ok');
    expect(await page.textContent('#message')).toContain('rebuild of orders to v2 started');
    await page.waitForFunction((selector) => document.querySelector(`${selector} [data-field=version]`)?.textContent === 'v2', row, { timeout: 60000 });
    await page.waitForSelector(`${row} [data-field=status].RUNNING`);
    expect(await page.textContent(`${row} [data-field=lag]`)).toBe('0');
    await page.screenshot({ path: join(SHOTS, 'console-projections.png'), fullPage: true });
  });

  it('lists the dead letters of projections and saga with their payload and skips them; everything runs again', async () => {
    // A record no reader can decode stops the inventory projection, the inventory event index and
    // the fulfillment saga's inventory partition: three dead letters, all listed.
    await fx.appender.appendRaw('inventory', 'poison', '{"not":"an envelope"}');
    await page.waitForFunction(() => document.querySelectorAll('#dead-letter-list article [data-field=status].PENDING').length === 3, undefined, {
      timeout: 30000,
    });
    expect(await page.locator('#dead-letter-list article', { hasText: 'fulfillment-saga' }).count()).toBe(1);
    await page.waitForSelector('#projection-rows tr[data-projection="inventory"] [data-field=status].STOPPED');
    const letters = page.locator('#dead-letter-list article', { hasText: 'inventory v1' });
    expect(await letters.first().locator('pre.json').textContent()).toContain('an envelope');
    await page.screenshot({ path: join(SHOTS, 'console-dead-letters.png'), fullPage: true });

    for (let i = 0; i < 3; i++) {
      await page.locator('#dead-letter-list article:has([data-field=status].PENDING) button[data-action=skip]').first().click();
      await page.waitForFunction((n) => document.querySelectorAll('#dead-letter-list article [data-field=status].SKIPPED').length === n, i + 1, {
        timeout: 15000,
      });
    }
    await page.waitForSelector('#projection-rows tr[data-projection="inventory"] [data-field=status].RUNNING', { timeout: 30000 });
    await page.waitForSelector('#projection-rows tr[data-projection="event-index-inventory"] [data-field=status].RUNNING', { timeout: 30000 });
    await waitFor(async () => (await fetch(`${apps['fulfillment-saga'].url}/health`)).status === 200, { what: 'the saga to resume after the skipped record' });
  });
});
