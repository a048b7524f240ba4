import { inventoryContext, type BoundedContextDefinition, type Command, type DomainEvent, type Versioned } from '@es/domain';
import { CommandEnvelope, commandFingerprint, InMemoryPartitionLog } from '@es/event-store';
import { IncomingCommand, PartitionProcessor } from './partition-processor';

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
    processor = new PartitionProcessor(definition, log, { idempotencyWindow: 4, clock: () => '2026-01-01T00:00:00.000Z' });
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

  it('keeps its memory at the last committed state when a commit fails', async () => {
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c1', 0)]);
    log.failNextCommit(new Error('fenced'));
    await expect(processor.process([command('ReceiveStock', { sku: 'A', quantity: 5 }, 'c2', 1)])).rejects.toThrow('fenced');
    await processor.process([command('ReceiveStock', { sku: 'A', quantity: 1 }, 'c3', 2, 1)]);

    expect(log.events.map((e) => e.version)).toEqual([1, 2]);
  });

  it('forgets command ids beyond its idempotency window, oldest first', async () => {
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c0', 0)]);
    for (let i = 1; i <= 4; i += 1) await processor.process([command('ReceiveStock', { sku: 'A', quantity: 1 }, `c${i}`, i)]);
    await processor.process([command('RegisterProduct', { sku: 'A', name: 'A' }, 'c0', 5)]);

    // c0 fell out of the window of 4, so it is decided again: a second registration is a conflict.
    expect(log.replies[5].reply).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });
});
