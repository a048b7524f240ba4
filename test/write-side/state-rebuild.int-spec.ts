/**
 * The state topic is a cache of the event log (issue 9): with the real broker and the built
 * command-processor, a stale, lost or corrupt state partition is rebuilt from the events — the
 * decisions, the invariants and the idempotency memory stay what the events say — and the operator
 * commands verify-state and rebuild-state work against a running system.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { IdempotencyMismatchError, ConflictError, PRODUCT_STATE_VERSION } from '@es/domain';
import { encodeJson, type AggregateRecord } from '@es/event-store';
import { topics } from '@es/kafka';
import { AppProcess, randomNamespace, readTopic, waitFor, WriteSideHarness } from '@es/testing';
import { startApp } from '@es/testing';

const ROOT = join(__dirname, '..', '..');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/command-processor/main.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('aggregate state rebuilt from the events', () => {
  const harness = new WriteSideHarness(randomNamespace('tsr'), 2);
  let processor: AppProcess;
  const stateRecords = async () =>
    new Map(
      (await readTopic(harness.kafka, topics.state(harness.namespace, 'inventory'), { idleMs: 1000 }))
        .filter((r) => r.key && !r.key.startsWith('__') && r.value?.startsWith('{"aggregateId"'))
        .map((r) => [r.key!, { ...r, record: JSON.parse(r.value!) as AggregateRecord }]),
    );
  /** Writes a record into the aggregate's state partition as if an older processor had. */
  const plant = async (key: string, value: Buffer) => {
    const producer = harness.kafka.producer();
    await producer.connect();
    await producer.send({ topic: topics.state(harness.namespace, 'inventory'), messages: [{ key, value }] });
    await producer.disconnect();
  };

  beforeAll(async () => {
    await harness.start();
    processor = await startApp('command-processor', harness.env);
  });

  afterAll(async () => {
    await harness.stop();
    await processor?.stop();
  });

  it('(a) rebuilds records of another state version with the current decider: the oversell invariant holds', async () => {
    await harness.registerProduct('VER-1', 5);
    await processor.stop();
    const { record } = (await stateRecords()).get('VER-1')!;
    // What an older evolve might have stored: another state version, and stock that the events do not give.
    await plant('VER-1', encodeJson({ ...record, stateVersion: 0, state: { ...(record.state as object), onHand: 1000 } }));
    processor = await startApp('command-processor', harness.env);

    const over = await harness.send('inventory', 'ReserveStock', 'VER-1', { sku: 'VER-1', orderId: 'o-over', quantity: 6 });
    const fits = await harness.send('inventory', 'ReserveStock', 'VER-1', { sku: 'VER-1', orderId: 'o-fits', quantity: 5 });

    expect(over.eventTypes).toEqual(['StockReservationRejected']);
    expect(fits.eventTypes).toEqual(['StockReserved']);
    expect((await stateRecords()).get('VER-1')!.record).toMatchObject({ stateVersion: PRODUCT_STATE_VERSION, version: 4, state: { onHand: 5, reserved: 5 } });
  });

  it('(b) rebuilds a deleted state topic: same decisions, duplicate RegisterProduct still 409, retried command ids still recognised', async () => {
    const registerId = randomUUID();
    await harness.send('inventory', 'RegisterProduct', 'LOST-1', { sku: 'LOST-1', name: 'Lost' }, registerId);
    const receiveId = randomUUID();
    const received = await harness.send('inventory', 'ReceiveStock', 'LOST-1', { sku: 'LOST-1', quantity: 3 }, receiveId);
    await processor.stop();
    const admin = harness.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topics.state(harness.namespace, 'inventory')] });
    await waitFor(async () => !(await admin.listTopics()).includes(topics.state(harness.namespace, 'inventory')), {
      timeoutMs: 30000,
      what: 'the state topic to be deleted',
    });
    await admin.disconnect();
    // The processor provisions the missing topic at boot and finds it empty while the events are not.
    processor = await startApp('command-processor', harness.env);

    await expect(harness.send('inventory', 'RegisterProduct', 'LOST-1', { sku: 'LOST-1', name: 'Lost' })).rejects.toBeInstanceOf(ConflictError);
    await expect(harness.send('inventory', 'ReceiveStock', 'LOST-1', { sku: 'LOST-1', quantity: 3 }, receiveId)).resolves.toMatchObject({
      duplicate: true,
      version: received.version,
    });
    await expect(harness.send('inventory', 'ReceiveStock', 'LOST-1', { sku: 'LOST-1', quantity: 4 }, receiveId)).rejects.toBeInstanceOf(
      IdempotencyMismatchError,
    );
    const products = await harness.products();
    expect(products.get('LOST-1')!.state).toMatchObject({ onHand: 3, version: 2 });
  });

  it('(c) rebuilds a partition with a corrupt state record, never serving a brand-new aggregate', async () => {
    await harness.registerProduct('BAD-1', 2);
    await processor.stop();
    await plant('BAD-1', Buffer.from('{"this is not": a record'));
    processor = await startApp('command-processor', harness.env);

    await expect(harness.send('inventory', 'RegisterProduct', 'BAD-1', { sku: 'BAD-1', name: 'Again' })).rejects.toBeInstanceOf(ConflictError);
    const reserve = await harness.send('inventory', 'ReserveStock', 'BAD-1', { sku: 'BAD-1', orderId: 'o-bad', quantity: 3 });
    expect(reserve.eventTypes).toEqual(['StockReservationRejected']);
  });

  it('(d) verify-state passes on a healthy system, and finds a planted divergence with a non-zero exit; rebuild-state repairs it', async () => {
    await harness.registerProduct('OK-1', 4);
    const healthy = await runCli(['verify-state'], harness.env);
    expect({ code: healthy.code, stdout: healthy.stdout }).toEqual({ code: 0, stdout: '' });
    expect(healthy.stderr).toContain('state topic agrees with the events');

    await processor.stop();
    const { record } = (await stateRecords()).get('OK-1')!;
    await plant('OK-1', encodeJson({ ...record, state: { ...(record.state as object), onHand: 40 } }));
    const diverged = await runCli(['verify-state', '--context', 'inventory'], harness.env);
    expect(diverged.code).toBe(1);
    expect(diverged.stdout).toMatch(/divergence inventory\[\d\] OK-1: state differs at version 2: stored .*"onHand":40.* events fold to .*"onHand":4/);

    const rebuilt = await runCli(['rebuild-state', '--context', 'inventory'], harness.env);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stderr).toMatch(/rebuild-state \[#+\] 100\.0%/);
    const after = await runCli(['verify-state'], harness.env);
    expect(after.code).toBe(0);
    processor = await startApp('command-processor', harness.env);
    expect((await harness.send('inventory', 'ReserveStock', 'OK-1', { sku: 'OK-1', orderId: 'o-ok', quantity: 5 })).eventTypes).toEqual([
      'StockReservationRejected',
    ]);
  });

  it('(e) stops only the partition whose event cannot be folded: /health names partition, offset and error; the other partition serves', async () => {
    for (const sku of ['POISON-A', 'POISON-B', 'POISON-C', 'POISON-D']) await harness.registerProduct(sku, 1);
    const placed = (await readTopic(harness.kafka, topics.events(harness.namespace, 'inventory'), { idleMs: 1000 })).filter((r) =>
      r.key?.startsWith('POISON-'),
    );
    const victim = placed[0];
    const healthy = placed.find((r) => r.partition !== victim.partition)!;
    await processor.stop();
    const producer = harness.kafka.producer();
    await producer.connect();
    const [written] = await producer.send({
      topic: topics.events(harness.namespace, 'inventory'),
      messages: [{ key: victim.key!, value: '{"type": garbage', partition: victim.partition }],
    });
    await producer.disconnect();
    // A corrupt state record makes the owner rebuild this partition from its events, and meet the garbage.
    await plant(victim.key!, Buffer.from('not a record'));
    processor = await startApp('command-processor', harness.env, { waitHealthy: false });
    // The owner restores a partition when its first command batch arrives: this command waits.
    const waiting = harness.send('inventory', 'ReceiveStock', victim.key!, { sku: victim.key!, quantity: 1 }).catch((error: Error) => error);

    let health:
      { status: number; body: { checks?: { name: string; ok: boolean; detail?: { inventory?: { stopped?: Record<string, unknown> } } }[] } } | undefined;
    await waitFor(
      async () => {
        const res = await fetch(`${processor.url}/health`).catch(() => undefined);
        if (!res) return false;
        health = { status: res.status, body: (await res.json()) as never };
        return health.status === 503 && JSON.stringify(health.body).includes('eventOffset');
      },
      { timeoutMs: 60000, what: 'the processor to report the stopped partition' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nlast health: ${JSON.stringify(health)}\n${processor.output().slice(-3000)}`);
    });
    const check = JSON.stringify(health!.body);
    expect(check).toContain(`"${victim.partition}":{"eventOffset":"${written.baseOffset ?? written.offset}"`);
    expect(check).toContain('event record is not JSON');
    await expect(harness.send('inventory', 'ReceiveStock', healthy.key!, { sku: healthy.key!, quantity: 2 })).resolves.toMatchObject({ version: 3 });
    expect(await waiting).toMatchObject({ code: 'TIMEOUT' });
  });
});
