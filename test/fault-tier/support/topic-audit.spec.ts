import type { ReadRecord } from '@es/testing';
import type { LedgerEntry } from './command-ledger';
import { auditRecords } from './topic-audit';

/** The fault tier is only as good as its audit: each check must see the defect it is named after. */
describe('the fault-tier audit of the event topics', () => {
  let offset = 0;
  const record = (aggregateId: string, version: number, type: string, commandId: string, payload: Record<string, unknown> = {}, partition = 0): ReadRecord => ({
    partition,
    offset: String(offset++),
    key: aggregateId,
    value: JSON.stringify({ type, aggregateId, version, commandId, payload }),
    headers: {},
  });
  const acked = (type: LedgerEntry['type'], aggregateId: string, commandId: string, version: number, body: Record<string, unknown> = {}): LedgerEntry => ({
    type,
    aggregateId,
    idempotencyKey: commandId,
    commandId,
    body,
    outcome: 'acked',
    version,
    statuses: [200],
    sentAt: 0,
  });

  // A consistent log: product A with 5 units, order o1 (2 units) confirmed, order o2 (1 unit) cancelled and released.
  const inventory = (): ReadRecord[] => [
    record('A', 1, 'ProductRegistered', 'c-reg'),
    record('A', 2, 'StockReceived', 'c-recv', { quantity: 5 }),
    record('A', 3, 'StockReserved', 'o1:reserve:A', { quantity: 2, orderId: 'o1' }),
    record('A', 4, 'StockReserved', 'o2:reserve:A', { quantity: 1, orderId: 'o2' }),
    record('A', 5, 'StockReleased', 'o2:cancel-release:A', { quantity: 1, orderId: 'o2' }),
  ];
  const orders = (): ReadRecord[] => [
    record('o1', 1, 'OrderPlaced', 'c-o1', { lines: [{ sku: 'A', quantity: 2 }] }),
    record('o1', 2, 'OrderLineReserved', 'o1:line:A'),
    record('o1', 3, 'OrderConfirmed', 'o1:line:A'),
    record('o2', 1, 'OrderPlaced', 'c-o2', { lines: [{ sku: 'A', quantity: 1 }] }),
    record('o2', 2, 'OrderCancelled', 'c-cancel-o2'),
  ];
  const ledger = (): LedgerEntry[] => [
    acked('RegisterProduct', 'A', 'c-reg', 1),
    acked('ReceiveStock', 'A', 'c-recv', 2, { quantity: 5 }),
    acked('PlaceOrder', 'o1', 'c-o1', 1),
    acked('PlaceOrder', 'o2', 'c-o2', 1),
    acked('CancelOrder', 'o2', 'c-cancel-o2', 2),
  ];
  const problems = (a: ReturnType<typeof auditRecords>) => ({
    lost: a.lost.length,
    doubled: a.doubled.length,
    phantom: a.phantom.length,
    undecided: a.undecided.length,
    stock: a.stock.length,
  });
  const clean = { lost: 0, doubled: 0, phantom: 0, undecided: 0, stock: 0 };

  it('finds nothing wrong in a consistent log, and folds it', () => {
    const audit = auditRecords('ns', orders(), inventory(), ledger());
    expect(problems(audit)).toEqual(clean);
    expect(audit.acknowledged).toBe(5);
    expect(audit.products.get('A')).toEqual({ onHand: 5, reserved: 2, version: 5 });
    expect(audit.orders.get('o2')).toMatchObject({ status: 'CANCELLED', version: 2 });
  });

  it('counts a record read twice (same offset) once', () => {
    const o = orders();
    expect(problems(auditRecords('ns', [...o, o[4]], inventory(), ledger()))).toEqual(clean);
  });

  it('sees an acknowledged command whose events are missing (lost)', () => {
    const l = [...ledger(), acked('ReceiveStock', 'A', 'c-recv-2', 6, { quantity: 3 })];
    const audit = auditRecords('ns', orders(), inventory(), l);
    expect(audit.lost).toHaveLength(1);
    expect(audit.stock).toEqual(['A: onHand 5 in the log, the commands imply 8']);
  });

  it('sees a command applied twice, at the same version or at the next one', () => {
    const sameVersion = [...orders(), record('o2', 2, 'OrderCancelled', 'c-cancel-o2')];
    expect(problems(auditRecords('ns', sameVersion, inventory(), ledger())).doubled).toBe(2);
    const twice = [...inventory(), record('A', 6, 'StockReceived', 'c-recv', { quantity: 5 })];
    const audit = auditRecords('ns', orders(), twice, ledger());
    expect(audit.doubled).toHaveLength(1);
    expect(audit.stock).toEqual(['A: onHand 10 in the log, the commands imply 5']);
  });

  it('sees a version gap, an undecided order, a cancelled order still holding stock, and a refused command that applied', () => {
    const gap = inventory().filter((r) => !r.value!.includes('"version":4'));
    expect(problems(auditRecords('ns', orders(), gap, ledger())).doubled).toBe(1);

    const pending = orders().filter((r) => !r.value!.includes('OrderConfirmed'));
    expect(auditRecords('ns', pending, inventory(), ledger()).undecided).toEqual(['o1 PENDING']);

    const unreleased = inventory().slice(0, 4);
    expect(auditRecords('ns', orders(), unreleased, ledger()).stock).toEqual(['A: order o2 is CANCELLED but holds 1 reserved (want 0)']);

    const refused = ledger().map((e) => (e.commandId === 'c-cancel-o2' ? { ...e, outcome: 'refused' as const, statuses: [409] } : e));
    expect(auditRecords('ns', orders(), inventory(), refused).phantom).toHaveLength(1);
  });

  it('reports a record that is not an event envelope as malformed, not as an event', () => {
    const garbage: ReadRecord = { partition: 1, offset: '99', key: 'x', value: '\u0000garbage', headers: {} };
    const audit = auditRecords('ns', [...orders(), garbage], inventory(), ledger());
    expect(audit.malformed).toEqual([{ topic: 'ns.orders.events', partition: 1, offset: '99' }]);
    expect(problems(audit)).toEqual(clean);
  });
});
