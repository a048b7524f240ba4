import { inventoryContext, type BoundedContextDefinition, type Command, type DomainEvent, type Versioned } from '@es/domain';
import { CommandEnvelope, commandFingerprint, InMemoryPartitionLog } from '@es/event-store';
import { IncomingCommand, parseCommand, PartitionProcessor } from './partition-processor';

const definition = inventoryContext as unknown as BoundedContextDefinition<Command, DomainEvent, Versioned>;

function command(type: string, data: { sku: string } & Record<string, unknown>, commandId: string, offset: number, expectedVersion?: number): IncomingCommand {
  const envelope: CommandEnvelope = {
    commandId,
    type,
    context: 'inventory',
    aggregateId: data.sku,
    data,
    correlationId: 'corr',
    causationId: null,
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
    fingerprint: commandFingerprint(type, data.sku, data, expectedVersion),
    replyTo: 'api-1',
    sentAt: '2026-01-01T00:00:00.000Z',
  };
  return { offset: String(offset), envelope, replyTo: 'api-1', commandId };
}

describe('PartitionProcessor', () => {
  let log: InMemoryPartitionLog;
  let processor: PartitionProcessor;

  beforeEach(async () => {
    log = new InMemoryPartitionLog('inventory', 0);
    processor = new PartitionProcessor(definition, log, { idempotencyWindowMs: 60_000, clock: () => '2026-01-01T00:00:00.000Z' });
    await processor.restore();
  });

  it('decides a batch against the state as it evolves inside the batch and commits it once', async () => {
    await processor.process([
      command('RegisterProduct', { sku: 'A', name: 'A' }, 'c1', 0),
      command('ReceiveStock', { sku: 'A', quantity: 2 }, 'c2', 1),
      command('ReserveStock', { sku: 'A', orderId: 'o1', quantity: 2 }, 'c3', 2),
      command('ReserveStock', { sku: 'A', orderId: 'o2', quantity: 1 }, 'c4', 3),
    ]);

    expect(log.events.map((e) => [e.type, e.version])).toEqual([
      ['ProductRegistered', 1],
      ['StockReceived', 2],
      ['StockReserved', 3],
      ['StockReservationRejected', 4],
    ]);
    expect(log.inputOffsets).toEqual(['4']);
    expect(log.replies.map((r) => r.reply.ok && r.reply.version)).toEqual([1, 2, 3, 4]);
  });

  it('answers a redelivered command with its first outcome and appends nothing', async () => {
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c1', 0)]);
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c1', 1)]);

    expect(log.events).toHaveLength(1);
    expect(log.replies[1].reply).toMatchObject({ ok: true, duplicate: true, version: 1, position: log.replies[0].reply.ok && log.replies[0].reply.position });
  });

  it('refuses a known command id that arrives with another body', async () => {
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c1', 0)]);
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'B' }, 'c1', 1)]);

    expect(log.replies[1].reply).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_MISMATCH' } });
  });

  it('answers a rejected command with the domain error and still consumes it', async () => {
    await processor.process([command('ReceiveStock', { sku: 'NOPE', quantity: 1 }, 'c1', 0)]);

    expect(log.events).toHaveLength(0);
    expect(log.replies[0].reply).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(log.inputOffsets).toEqual(['1']);
  });

  it('skips, after a restore, commands below the input offset its state recorded (exactly-once input without group offsets)', async () => {
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c1', 0), command('ReceiveStock', { sku: 'NOPE', quantity: 1 }, 'c2', 1)]);
    const owner = new PartitionProcessor(definition, log, { idempotencyWindowMs: 60_000, clock: () => '2026-01-01T00:00:00.000Z' });
    await owner.restore();
    const replies = log.replies.length;
    // The group's offset lagged: offsets 0 and 1 come again, with a new command at 2. A rejected
    // command is not in the idempotency memory, so only the recorded offset keeps it from being
    // decided twice.
    const outcome = await owner.process([
      command('RegisterProduct', { sku: 'A', name: 'A' }, 'c1', 0),
      command('ReceiveStock', { sku: 'NOPE', quantity: 1 }, 'c2', 1),
      command('ReceiveStock', { sku: 'A', quantity: 3 }, 'c3', 2),
    ]);

    expect(outcome).toMatchObject({ commands: 3, duplicates: 2, rejected: 0, events: 1 });
    expect(log.replies.slice(replies).map((r) => r.reply.commandId)).toEqual(['c3']);
    expect(log.inputOffsets).toEqual(['2', '3']);
    expect(await owner.process([command('ReceiveStock', { sku: 'A', quantity: 3 }, 'c3', 2)])).toMatchObject({ duplicates: 1, events: 0 });
    expect(log.inputOffsets).toEqual(['2', '3']);
  });

  it('keeps its memory at the last committed state when a commit fails', async () => {
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c1', 0)]);
    log.failNextCommit(new Error('fenced'));
    await expect(processor.process([command('ReceiveStock', { sku: 'A', quantity: 5 }, 'c2', 1)])).rejects.toThrow('fenced');
    await processor.process([command('ReceiveStock', { sku: 'A', quantity: 1 }, 'c3', 2, 1)]);

    expect(log.events.map((e) => e.version)).toEqual([1, 2]);
  });

  it('remembers an outcome for the whole window, whatever the traffic on the aggregate', async () => {
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c0', 0)]);
    for (let i = 1; i <= 500; i += 1) await processor.process([command('ReceiveStock', { sku: 'A', quantity: 1 }, `c${i}`, i)]);
    await processor.process([command('ReceiveStock', { sku: 'A', quantity: 1 }, 'c1', 501)]);

    expect(log.events).toHaveLength(501);
    expect(log.replies[501].reply).toMatchObject({ ok: true, duplicate: true, version: 2 });
  });

  it('forgets an outcome once the window has passed, and tombstones its record', async () => {
    let now = Date.parse('2026-01-01T00:00:00.000Z');
    processor = new PartitionProcessor(definition, log, { idempotencyWindowMs: 60_000, clock: () => new Date(now).toISOString() });
    await processor.restore();
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c0', 0)]);
    expect(log.outcomeRecords.size).toBe(1);
    now += 59_000;
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c0', 1)]);
    now += 60_000 + 2_500 + 1;
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c0', 2)]);

    expect(log.replies[1].reply).toMatchObject({ ok: true, duplicate: true });
    // Past the window c0 is decided again: a second registration is a conflict.
    expect(log.replies[2].reply).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(log.outcomeRecords.size).toBe(0);
  });

  it('remembers outcomes across a restore by a new owner', async () => {
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c0', 0)]);
    await processor.process([command('ReceiveStock', { sku: 'A', quantity: 3 }, 'c1', 1)]);
    const next = new PartitionProcessor(definition, log, { idempotencyWindowMs: 60_000, clock: () => '2026-01-01T00:00:10.000Z' });
    await next.restore();
    await next.process([command('ReceiveStock', { sku: 'A', quantity: 3 }, 'c1', 2), command('ReceiveStock', { sku: 'A', quantity: 4 }, 'c1', 3)]);

    expect(log.events).toHaveLength(2);
    expect(log.replies[2].reply).toMatchObject({ ok: true, duplicate: true, version: 2, position: log.replies[1].reply.ok && log.replies[1].reply.position });
    expect(log.replies[3].reply).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_MISMATCH' } });
  });

  it('answers each of several concurrent requests with one command id by its own request id: one applied, other bodies 422', async () => {
    const withRequest = (c: IncomingCommand, requestId: string): IncomingCommand => ({ ...c, envelope: { ...c.envelope!, requestId } });
    await processor.process([
      withRequest(command('RegisterProduct', { sku: 'A', name: 'A' }, 'k', 0), 'r0'),
      withRequest(command('RegisterProduct', { sku: 'A', name: 'B' }, 'k', 1), 'r1'),
      withRequest(command('RegisterProduct', { sku: 'A', name: 'A' }, 'k', 2), 'r2'),
    ]);

    expect(log.events).toHaveLength(1);
    expect(log.replies.map((r) => [r.reply.requestId, r.reply.ok, r.reply.ok ? r.reply.duplicate : r.reply.error.code])).toEqual([
      ['r0', true, false],
      ['r1', false, 'IDEMPOTENCY_MISMATCH'],
      ['r2', true, true],
    ]);
  });
});

describe('PartitionProcessor with a decider that has a bug', () => {
  it('answers INTERNAL (HTTP 500), reports the error and keeps deciding the commands behind it', async () => {
    const log = new InMemoryPartitionLog('inventory', 0);
    const reported: string[] = [];
    const buggy = {
      ...definition,
      decider: {
        ...definition.decider,
        decide: (c: Command, s: Versioned) => {
          if ((c.data as { sku: string }).sku === 'BUG') throw new TypeError('cannot read properties of undefined');
          return definition.decider.decide(c, s);
        },
      },
    };
    const processor = new PartitionProcessor(buggy, log, {
      idempotencyWindowMs: 60_000,
      clock: () => '2026-01-01T00:00:00.000Z',
      onUnexpectedError: (e) => reported.push(e.message),
    });
    await processor.restore();
    await processor.process([command('RegisterProduct', { sku: 'BUG', name: 'x' }, 'c1', 0), command('RegisterProduct', { sku: 'OK', name: 'y' }, 'c2', 1)]);

    expect(log.replies.map((r) => r.reply.ok || r.reply.error.code)).toEqual(['INTERNAL', true]);
    expect(reported).toEqual(['cannot read properties of undefined']);
    expect(log.inputOffsets).toEqual(['2']);
  });
});

describe('parseCommand', () => {
  const message = (value: unknown, key = 'A') => ({
    offset: '7',
    key: Buffer.from(key),
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    headers: { 'reply-to': 'api-1', 'command-id': 'c9', 'request-id': 'r9' },
  });
  const valid = {
    commandId: 'c9',
    type: 'ReceiveStock',
    context: 'inventory',
    aggregateId: 'A',
    fingerprint: 'f',
    data: { sku: 'A', quantity: 1 },
    replyTo: 'api-1',
  };

  it.each([
    ['data null', { ...valid, data: null }],
    ['data an array', { ...valid, data: [1] }],
    ['data a string', { ...valid, data: 'x' }],
    ['an envelope that is null', null],
    ['an envelope that is a number', 5],
    ['not JSON', '{"commandId":'],
    ['data without the aggregate id', { ...valid, data: { quantity: 1 } }],
    ['an unknown type', { ...valid, type: 'Explode' }],
  ])('turns a record with %s into a problem, answered to its sender, and never throws', (_, value) => {
    const parsed = parseCommand(definition, message(value));

    expect(parsed).toMatchObject({ offset: '7', replyTo: 'api-1', requestId: 'r9' });
    expect(parsed.envelope).toBeUndefined();
    expect(parsed.problem).toEqual(expect.any(String));
  });

  it('parses a valid command', () => {
    expect(parseCommand(definition, message(valid)).envelope).toMatchObject({ commandId: 'c9' });
  });
});

describe('PartitionProcessor restore: the state topic is a cache of the events', () => {
  const clock = () => '2026-01-01T00:00:00.000Z';
  let log: InMemoryPartitionLog;
  let rebuilds: { reason: string; events: number; aggregates: number }[];
  const open = async () => {
    const processor = new PartitionProcessor(definition, log, { idempotencyWindowMs: 60_000, clock, onRebuild: (info) => rebuilds.push(info) });
    await processor.restore();
    return processor;
  };

  beforeEach(async () => {
    log = new InMemoryPartitionLog('inventory', 0);
    rebuilds = [];
    const first = await open();
    await first.process([
      command('RegisterProduct', { sku: 'A', name: 'A' }, 'c1', 0),
      command('ReceiveStock', { sku: 'A', quantity: 2 }, 'c2', 1),
      command('ReserveStock', { sku: 'A', orderId: 'o1', quantity: 2 }, 'c3', 2),
    ]);
  });

  it('restores from the state topic when every record is of the current state version', async () => {
    await open();

    expect(rebuilds).toEqual([]);
  });

  it('given an empty state partition, rebuilds from the events: same decisions, retries still recognised', async () => {
    log.dropState();
    const processor = await open();
    await processor.process([
      command('RegisterProduct', { sku: 'A', name: 'A' }, 'again', 3),
      command('ReserveStock', { sku: 'A', orderId: 'o2', quantity: 1 }, 'c4', 4),
      command('ReceiveStock', { sku: 'A', quantity: 2 }, 'c2', 5),
      command('ReceiveStock', { sku: 'A', quantity: 9 }, 'c2', 6),
    ]);

    expect(rebuilds).toEqual([
      {
        reason: 'the state partition is empty while its events partition is not',
        events: 3,
        aggregates: 1,
        ms: expect.any(Number),
        foldMs: expect.any(Number),
        writeMs: expect.any(Number),
        foreign: { count: 0, offsets: [] },
      },
    ]);
    expect(log.replies.slice(3).map((r) => (r.reply.ok ? ['ok', r.reply.version, r.reply.duplicate] : ['error', r.reply.error.code]))).toEqual([
      ['error', 'CONFLICT'],
      ['ok', 4, false], // stock 2, all reserved: rejected (StockReservationRejected), never oversold
      ['ok', 2, true],
      ['error', 'IDEMPOTENCY_MISMATCH'],
    ]);
    expect(log.events[3]).toMatchObject({ type: 'StockReservationRejected', version: 4 });
  });

  it('given records of another state version, rebuilds them with the current decider and writes fresh ones', async () => {
    log.putRecord({
      aggregateId: 'A',
      stateVersion: 0,
      version: 3,
      state: { version: 3, registered: true, sku: 'A', name: 'A', onHand: 99, reserved: 0, reservations: {} },
      lastPosition: null,
    });
    const processor = await open();
    await processor.process([command('ReserveStock', { sku: 'A', orderId: 'o2', quantity: 1 }, 'c4', 3)]);

    expect(rebuilds[0].reason).toBe('1 state record(s) of state version 0, current 1');
    expect(log.events[3]).toMatchObject({ type: 'StockReservationRejected' });
    expect((await log.restore()).aggregates.get('A')).toMatchObject({ stateVersion: 1, version: 4, state: { onHand: 2, reserved: 2 } });
  });

  it('applies an event appended twice (same version, same command) once', async () => {
    log.events.push(log.events[1], log.events[2]);
    log.dropState();
    const processor = await open();
    await processor.process([command('ReceiveStock', { sku: 'A', quantity: 1 }, 'c9', 3)]);

    expect(rebuilds[0]).toMatchObject({ events: 3 });
    expect(log.events[5]).toMatchObject({ type: 'StockReceived', version: 4 });
  });

  it('stops on an event of a version out of order that is not a duplicate', async () => {
    log.events.push({ ...log.events[1], commandId: 'another' });
    log.dropState();

    await expect(open()).rejects.toThrow('event inventory[0]@3 cannot be folded: A is at version 3, the event has version 2');
  });

  it('stops on an event it cannot fold, naming its partition and offset', async () => {
    log.dropState();
    log.corruptEvent(2, Buffer.from('{"type":'));

    await expect(open()).rejects.toThrow('event inventory[0]@2 cannot be folded: event record is not JSON');
  });

  it('stops at the version gap an unreadable event leaves in the middle of an aggregate', async () => {
    log.dropState();
    log.corruptEvent(1, Buffer.from('{"type":'), null);

    await expect(open()).rejects.toThrow('event inventory[0]@2 cannot be folded: A is at version 1, the event has version 3');
  });

  it('given records that are no event of any aggregate (foreign writes), skips and reports them, and serves', async () => {
    // What `kafka-console-producer` on the wrong topic leaves: text, a tombstone, JSON that is no envelope.
    log.events.push(log.events[0], log.events[0], log.events[0]);
    log.corruptEvent(3, Buffer.from('hello'), null);
    log.corruptEvent(4, null, 'B');
    log.corruptEvent(5, Buffer.from('{"aggregateId":"C"}'), null);
    log.dropState();
    const processor = await open();
    await processor.process([command('ReceiveStock', { sku: 'A', quantity: 1 }, 'c9', 3)]);

    expect(rebuilds[0]).toMatchObject({ events: 3, aggregates: 1, foreign: { count: 3, offsets: ['3', '4', '5'] } });
    expect(log.replies.at(-1)!.reply).toMatchObject({ ok: true, version: 4 });
  });
});

describe('PartitionProcessor idempotency memory across buckets', () => {
  it('seals a past bucket into snapshots, tombstones its per-commit records, and a new owner restores from them', async () => {
    const log = new InMemoryPartitionLog('inventory', 0);
    let now = Date.parse('2026-01-01T00:00:00.000Z');
    const options = { idempotencyWindowMs: 24 * 3_600_000, clock: () => new Date(now).toISOString() };
    const processor = new PartitionProcessor(definition, log, options);
    await processor.restore();
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c0', 0)]);
    await processor.process([command('ReceiveStock', { sku: 'A', quantity: 1 }, 'c1', 1)]);
    expect(log.outcomeRecords.size).toBe(2);
    now += 3_600_000;
    await processor.process([command('ReceiveStock', { sku: 'A', quantity: 1 }, 'c2', 2)]);

    expect([...log.outcomeSnapshots.keys()]).toEqual([`__outcomes__:${Date.parse('2026-01-01T00:00:00.000Z')}:sealed:0`]);
    expect(log.outcomeRecords.size).toBe(1);
    const next = new PartitionProcessor(definition, log, options);
    await next.restore();
    await next.process([command('ReceiveStock', { sku: 'A', quantity: 1 }, 'c1', 3), command('ReceiveStock', { sku: 'A', quantity: 1 }, 'c2', 4)]);
    expect(log.replies.slice(3).map((r) => r.reply.ok && [r.reply.duplicate, r.reply.version])).toEqual([
      [true, 2],
      [true, 3],
    ]);
  });
});
