import { randomUUID } from 'node:crypto';
import { type Admin, ConfigResourceTypes } from 'kafkajs';
import { topics } from '@es/kafka';
import { AppProcess, randomNamespace, startApp, waitFor, WriteSideHarness } from '@es/testing';

/**
 * docs/architecture.md (failures, "broker restart") and docs/operations.md promise: a command or
 * saga transaction that Kafka refuses does not crash the consumer — the batch is fetched again in
 * place, the consumer staying in its group — and a partition that keeps failing makes `/health`
 * fail instead of looping silently; once Kafka accepts again, every command is applied exactly once.
 *
 * The refusal is a real one of the shared test broker, made on purpose and only for one topic of
 * this file's namespace: its `max.message.bytes` set to 200, below any record batch we write (an
 * envelope alone is larger), so every produce to it is answered MESSAGE_TOO_LARGE and the transaction
 * aborts; setting it back ends the refusal. The coordinator's abort marker (a 78-byte batch) still
 * fits: with a limit below that, the coordinator cannot complete the abort, gives up on the
 * transaction, and every later InitProducerId for it is CONCURRENT_TRANSACTIONS, even after the
 * limit is raised again (seen with 64).
 * (`min.insync.replicas` above the replication factor, the more natural refusal, is not one since
 * Kafka 4.0: the broker caps it at the replica count, and the produce succeeds.)
 */
describe('transactions that Kafka refuses for a while', () => {
  const harness = new WriteSideHarness(randomNamespace('ref'), 1, 120000);
  const ns = harness.namespace;
  let processor: AppProcess;
  let saga: AppProcess;

  /**
   * AlterConfigs (kafkajs has no incremental variant) replaces a topic's whole dynamic config: the
   * topic's own entries are saved, written back with the limit, and written back as saved to accept.
   */
  const savedConfigs = new Map<string, { name: string; value: string }[]>();
  const alterTopic = async (topic: string, change: (admin: Admin) => Promise<{ name: string; value: string }[]>) => {
    const admin = harness.kafka.admin();
    await admin.connect();
    try {
      const configEntries = await change(admin);
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries }] });
    } finally {
      await admin.disconnect();
    }
  };
  const refuseWrites = (topic: string) =>
    alterTopic(topic, async (admin) => {
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
      const own = described.resources[0].configEntries
        .filter((e) => e.configSource === 1) // DYNAMIC_TOPIC_CONFIG: the topic's own settings
        .map((e) => ({ name: e.configName, value: e.configValue }));
      savedConfigs.set(topic, own);
      return [...own.filter((e) => e.name !== 'max.message.bytes'), { name: 'max.message.bytes', value: '200' }];
    });
  const acceptWrites = (topic: string) => alterTopic(topic, async () => savedConfigs.get(topic)!);
  const health = async (app: AppProcess) => {
    const res = await fetch(`${app.url}/health`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as { checks: Record<string, { ok: boolean; detail: any }> } };
  };
  /**
   * Waits until the app's /health is 503 with `failingAt` (the failing partition's entry in one of its
   * checks) at 3 consecutive failures, and checks what must hold then: the refusal is the reported
   * error, and the consumer itself is still the same, consuming one (no crash, no restart).
   */
  const untilUnhealthy = async (app: AppProcess, consumerCheck: string, failingAt: (checks: Record<string, { detail: any }>) => any) => {
    const unhealthy = await waitFor(
      async () => {
        const h = await health(app);
        const failing = failingAt(h.body.checks);
        return h.status === 503 && failing?.count >= 3 && { failing, consumer: h.body.checks[consumerCheck] };
      },
      { timeoutMs: 90000, intervalMs: 500, what: `${app.app} to report the failing partition in /health` },
    );
    expect(unhealthy.failing.error).toMatch(/larger than the max message size/);
    expect(unhealthy.consumer).toEqual(expect.objectContaining({ ok: true, detail: expect.objectContaining({ state: 'consuming', restarts: 0 }) }));
    return unhealthy.failing as { count: number };
  };
  /** Lines of the app's output that say a consumer crashed or was re-created (what must not happen). */
  const restarts = (app: AppProcess) =>
    app
      .output()
      .split('\n')
      .filter((l) => l.includes('Kafka consumer crashed') || l.includes('restarting Kafka consumer'));

  beforeAll(async () => {
    await harness.start();
    // info: the retry lines are what the test reads back
    processor = await startApp('command-processor', { ...harness.env, LOG_LEVEL: 'info' });
    saga = await startApp('fulfillment-saga', { ...harness.env, LOG_LEVEL: 'info' });
    await harness.registerProduct('REF-1', 10);
  }, 120000);

  afterAll(async () => {
    await Promise.all([processor, saga].filter(Boolean).map((a) => a.stop()));
    await harness.stop();
  });

  it('the command processor retries the batch in place, fails /health naming the partition, and applies the command once when Kafka accepts again', async () => {
    const events = topics.events(ns, 'inventory');
    await refuseWrites(events);
    const started = Date.now();
    const reply = harness.send('inventory', 'ReceiveStock', 'REF-1', { sku: 'REF-1', quantity: 5 });
    const failing = await untilUnhealthy(
      processor,
      'consumer:command-processor.inventory',
      (checks) => checks['command-consumers']?.detail?.inventory?.failing?.[`${topics.commands(ns, 'inventory')}#0`],
    );
    const unhealthyAfter = Date.now() - started;

    await acceptWrites(events);
    const outcome = await reply;
    const recoveredAfter = Date.now() - started;
    await waitFor(async () => (await health(processor)).status === 200, { timeoutMs: 30000, intervalMs: 500, what: 'the processor to be healthy again' });
    process.stderr.write(
      `[refused-transactions] processor: /health 503 after ${(unhealthyAfter / 1000).toFixed(1)} s (${failing.count} failed batches), ` +
        `reply ${((recoveredAfter - unhealthyAfter) / 1000).toFixed(1)} s after Kafka accepted again\n`,
    );

    expect(outcome).toEqual(expect.objectContaining({ ok: true, version: 3, duplicate: false }));
    const product = (await harness.products()).get('REF-1')!;
    expect(product.events.map((e) => e.type)).toEqual(['ProductRegistered', 'StockReceived', 'StockReceived']);
    expect(product.state.onHand).toBe(15);
    expect(processor.output()).toContain('command batch failed; partition will be restored');
    expect(restarts(processor)).toEqual([]);
  }, 180000);

  it('the saga retries its transaction in place, fails /health naming the input partition, and sends the reservation once when Kafka accepts again', async () => {
    // The saga's output: ReserveStock goes to the inventory command topic.
    const commands = topics.commands(ns, 'inventory');
    await refuseWrites(commands);
    const started = Date.now();
    const orderId = await harness.placeOrder([{ sku: 'REF-1', quantity: 2 }], randomUUID());
    const failing = await untilUnhealthy(
      saga,
      'consumer:fulfillment-saga',
      (checks) => checks['saga-transactions']?.detail?.failing?.[`${topics.events(ns, 'orders')}#0`],
    );
    const unhealthyAfter = Date.now() - started;

    await acceptWrites(commands);
    const order = await waitFor(
      async () => {
        const o = (await harness.orders()).get(orderId);
        return o?.state.status === 'CONFIRMED' && o;
      },
      { timeoutMs: 60000, intervalMs: 500, what: `order ${orderId} to be CONFIRMED` },
    );
    const confirmedAfter = Date.now() - started;
    await waitFor(async () => (await health(saga)).status === 200, { timeoutMs: 30000, intervalMs: 500, what: 'the saga to be healthy again' });
    process.stderr.write(
      `[refused-transactions] saga: /health 503 after ${(unhealthyAfter / 1000).toFixed(1)} s (${failing.count} failed batches), ` +
        `order CONFIRMED ${((confirmedAfter - unhealthyAfter) / 1000).toFixed(1)} s after Kafka accepted again\n`,
    );

    expect(order.events.map((e) => e.type)).toEqual(['OrderPlaced', 'OrderLineReserved', 'OrderConfirmed']);
    const reservations = (await harness.products()).get('REF-1')!.events.filter((e) => e.type === 'StockReserved');
    expect(reservations.map((e) => (e.payload as { orderId: string }).orderId)).toEqual([orderId]);
    expect(saga.output()).toContain('saga transaction failed; the batch is read again');
    expect(restarts(saga)).toEqual([]);
  }, 180000);
});
