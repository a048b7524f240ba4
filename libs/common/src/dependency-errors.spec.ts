import { isDatabaseUnavailable, isDependencyUnavailable, isKafkaUnavailable } from './dependency-errors';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['connection reset', withCode('read ECONNRESET', 'ECONNRESET')],
    ['administrator shutdown', withCode('terminating connection due to administrator command', '57P01')],
    ['server starting up', withCode('the database system is starting up', '57P03')],
    ['connection exception class 08', withCode('connection failure', '08006')],
    ['statement timeout', withCode('canceling statement due to statement timeout', '57014')],
    ['socket closed mid-query', new Error('Connection terminated unexpectedly')],
    ['connect timeout', new Error('timeout exceeded when trying to connect')],
    [
      'a TypeORM QueryFailedError around a refused connection',
      Object.assign(new Error('query failed'), { driverError: withCode('connect ECONNREFUSED', 'ECONNREFUSED') }),
    ],
    ['every address of a host refused', Object.assign(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''), {})],
  ])('is true for %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a missing table', withCode('relation "x" does not exist', '42P01')],
    ['a unique violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'ECONNREFUSED'],
  ])('is false for %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

/** Errors shaped like kafkajs' own (name, retriable, cause), without importing kafkajs. */
const kafkaError = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

describe('isKafkaUnavailable', () => {
  it.each([
    ['a refused connection', kafkaError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092')],
    ['a connection closed by a dying broker', kafkaError('KafkaJSConnectionClosedError', 'Closed connection')],
    [
      'retries exhausted on a refused connection',
      kafkaError('KafkaJSNumberOfRetriesExceeded', 'x', { cause: kafkaError('KafkaJSConnectionError', 'ECONNREFUSED') }),
    ],
    ['no group coordinator yet', kafkaError('KafkaJSGroupCoordinatorNotFound', 'Failed to find group coordinator')],
    ['a coordinator still loading', kafkaError('KafkaJSProtocolError', "The coordinator is loading and hence can't process requests", { retriable: true })],
    [
      'our boot message around a refused connection',
      new Error('cannot reach Kafka at 127.0.0.1:9092 (KAFKA_BROKERS): Connection error', { cause: kafkaError('KafkaJSConnectionError', 'ECONNREFUSED') }),
    ],
  ])('is true for %s', (_name, error) => {
    expect(isKafkaUnavailable(error)).toBe(true);
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['a partition count that differs', new Error('topic es.orders.events has 3 partitions, TOPIC_PARTITIONS=6')],
    ['an authorization failure', kafkaError('KafkaJSProtocolError', 'Not authorized to access topics', { retriable: false })],
    ['a failed SASL handshake', kafkaError('KafkaJSSASLAuthenticationError', 'SASL PLAIN authentication failed')],
    [
      'retries exhausted on a non-retriable error',
      kafkaError('KafkaJSNumberOfRetriesExceeded', 'x', { cause: kafkaError('KafkaJSProtocolError', 'Unknown topic', { retriable: false }) }),
    ],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
  ])('is false for %s', (_name, error) => {
    expect(isKafkaUnavailable(error)).toBe(false);
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});
