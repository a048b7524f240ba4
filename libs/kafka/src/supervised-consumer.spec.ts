import type { Consumer } from 'kafkajs';
import { JsonLogger } from '@es/common';
import { BatchRetries, isFenced, UNHEALTHY_AFTER_FAILURES } from './supervised-consumer';

describe('isFenced', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { KafkaJSProtocolError, KafkaJSNonRetriableError, KafkaJSConnectionError } = require('kafkajs/src/errors');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const protocol = (type: string, code: number) => new KafkaJSProtocolError({ type, code, retriable: false, message: type });

  it('given a transaction refused because a new owner took its transactional id, then it is fenced, however kafkajs wrapped it', () => {
    expect(isFenced(protocol('INVALID_PRODUCER_EPOCH', 47))).toBe(true);
    const epoch = protocol('INVALID_PRODUCER_EPOCH', 47);
    expect(isFenced(new KafkaJSNonRetriableError(epoch, { cause: epoch }))).toBe(true);
    // PRODUCER_FENCED (90) is newer than kafkajs 2.2.4's error table
    expect(isFenced({ name: 'KafkaJSProtocolError', type: 'KAFKAJS_UNKNOWN_ERROR_CODE', code: 90 })).toBe(true);
  });

  it('given a broker or coordinator trouble, then it is not fenced (the batch is fetched again instead)', () => {
    expect(isFenced(protocol('CONCURRENT_TRANSACTIONS', 51))).toBe(false);
    expect(isFenced(protocol('NOT_COORDINATOR_FOR_GROUP', 16))).toBe(false);
    expect(isFenced(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'))).toBe(false);
    expect(isFenced(new Error('no produce result'))).toBe(false);
  });
});

describe('BatchRetries', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { KafkaJSProtocolError, KafkaJSNumberOfRetriesExceeded } = require('kafkajs/src/errors');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const setup = () => {
    const lines: { level: string; msg: string; consecutiveFailures?: number; context?: string }[] = [];
    const logger = new JsonLogger('test', 'debug', (line) => lines.push(JSON.parse(line)));
    const seeks: unknown[] = [];
    const consumer = { seek: (at: unknown) => seeks.push(at) } as unknown as Consumer;
    const retries = new BatchRetries({ logger, firstFailureLevel: 'info' });
    return { lines, seeks, consumer, retries };
  };
  const at = (partition: number, offset = '7') => ({ topic: 'ns.orders.commands', partition, offset });
  const refused = () =>
    new KafkaJSNumberOfRetriesExceeded(new KafkaJSProtocolError({ type: 'NOT_ENOUGH_REPLICAS', code: 19, retriable: true, message: 'short' }), {
      retryCount: 12,
      retryTime: 2000,
    });

  it('given a failed batch, when it is retried, then kafkajs fetches it again from its first record and the consumer is not thrown at', async () => {
    const { retries, consumer, seeks, lines } = setup();
    await retries.retry(consumer, at(0), refused(), 'batch failed', { context: 'orders' });
    expect(seeks).toEqual([at(0)]);
    expect(lines).toEqual([expect.objectContaining({ level: 'info', msg: 'batch failed', consecutiveFailures: 1, context: 'orders' })]);
    expect(retries.ok).toBe(true);
  });

  it(`given ${UNHEALTHY_AFTER_FAILURES} consecutive failures of one partition, then its lines turn error and health fails naming it, until a batch of it commits`, async () => {
    const { retries, consumer, lines } = setup();
    for (let i = 0; i < UNHEALTHY_AFTER_FAILURES; i++) await retries.retry(consumer, at(1), refused(), 'batch failed');
    await retries.retry(consumer, at(2), refused(), 'batch failed');
    expect(lines.map((l) => l.level)).toEqual(['info', 'warn', 'error', 'info']);
    const check = await retries.health('test.batches').check();
    expect(check.ok).toBe(false);
    expect(check.detail).toEqual({
      failing: {
        'ns.orders.commands#1': expect.objectContaining({ count: UNHEALTHY_AFTER_FAILURES }),
        'ns.orders.commands#2': expect.objectContaining({ count: 1 }),
      },
    });
    retries.succeeded('ns.orders.commands', 1);
    expect(retries.ok).toBe(true);
    expect(Object.keys(retries.detail())).toEqual(['ns.orders.commands#2']);
  }, 10000);

  it('given a partition that failed and then moved to another instance, then it is no longer reported here', async () => {
    const { retries, consumer } = setup();
    for (let i = 0; i < UNHEALTHY_AFTER_FAILURES; i++) await retries.retry(consumer, at(1), refused(), 'batch failed');
    retries.keepOnly({ 'ns.orders.commands': [0, 2] });
    expect(retries.ok).toBe(true);
    expect(retries.detail()).toEqual({});
  }, 10000);

  it('given a fenced transaction, then it is thrown (the rebalance must reach the consumer) and nothing is fetched again', async () => {
    const { retries, consumer, seeks } = setup();
    const fenced = new KafkaJSProtocolError({ type: 'INVALID_PRODUCER_EPOCH', code: 47, retriable: false, message: 'fenced' });
    await expect(retries.retry(consumer, at(0), fenced, 'batch failed')).rejects.toBe(fenced);
    expect(seeks).toEqual([]);
  });
});
