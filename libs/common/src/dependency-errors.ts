/**
 * Which errors say "a dependency cannot be reached right now" (retry later: a 503, a paused
 * partition, another start attempt) rather than "this is wrong" (a bug, a bad statement, a bad
 * setting). By name and code only, so that every library can use it without importing a driver.
 */

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '53300',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection terminated due to connection timeout',
  'the database system is',
  'Query read timeout',
];

/**
 * True when the error says the database cannot be reached right now (refused, reset, shutting
 * down or starting up, class 08 connection exceptions, a connect or statement timeout) rather than
 * that the statement itself is wrong: such work is retried later, and an HTTP request gets a 503.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  if (UNAVAILABLE_MESSAGES.some((m) => error.message.includes(m))) return true;
  const errors = (error as { errors?: unknown }).errors; // AggregateError of a multi-address connect
  if (Array.isArray(errors) && errors.some(isDatabaseUnavailable)) return true;
  // TypeORM's QueryFailedError keeps the driver's error.
  const inner = (error as { driverError?: unknown; cause?: unknown }).driverError ?? (error as { cause?: unknown }).cause;
  return inner !== undefined && inner !== error && isDatabaseUnavailable(inner);
}

/** kafkajs errors that mean the cluster (or the part of it we need) is unreachable or moving. */
const KAFKA_UNAVAILABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
]);

/**
 * True when a kafkajs error (or one that wraps it as its cause) says the brokers cannot be reached
 * or are not ready — refused, closed, timed out, no coordinator yet, or a protocol error kafkajs
 * marks retriable (a coordinator still loading, a leader being elected) — rather than that the
 * request is wrong (an unknown topic, a partition count that differs, an authorization failure).
 */
export function isKafkaUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (KAFKA_UNAVAILABLE.has(error.name)) return true;
  if (error.name === 'KafkaJSProtocolError' && (error as { retriable?: unknown }).retriable === true) return true;
  // KafkaJSNumberOfRetriesExceeded and our own "cannot reach Kafka at …" keep the last failure as their cause.
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isKafkaUnavailable(cause);
}

/** Kafka or PostgreSQL is unreachable: what a starting app waits out (STARTUP_WAIT_MS) instead of exiting. */
export function isDependencyUnavailable(error: unknown): boolean {
  return isKafkaUnavailable(error) || isDatabaseUnavailable(error);
}
