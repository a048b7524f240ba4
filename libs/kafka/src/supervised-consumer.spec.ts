import { isFenced } from './supervised-consumer';

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
