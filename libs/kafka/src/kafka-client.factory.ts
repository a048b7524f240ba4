import { readFileSync } from 'node:fs';
import { Kafka, KafkaConfig, LogEntry, logLevel, RetryOptions, SASLOptions } from 'kafkajs';
import type { JsonLogger, KafkaSettings } from '@es/common';

type Level = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_NAMES: Record<number, Level> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// The messages of the protocol errors kafkajs retries on its own. CONCURRENT_TRANSACTIONS is marked
// non-retriable in the protocol table, yet kafkajs retries it (eosManager, sendMessages): under load
// a transactional producer meets it on most AddPartitionsToTxn right after a commit.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: { type: string; message: string; retriable: boolean }[] };
const RETRIED_ERRORS = errorCodes.filter((e) => e.retriable || e.type === 'CONCURRENT_TRANSACTIONS').map((e) => e.message);

/** kafkajs' own interval for re-checking a queue that waits on in-flight limits. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/**
 * kafkajs 2.2.4 bug (tulios/kafkajs#1556, #1604, #1704; fix proposed in PR #1667, unreleased):
 * RequestQueue.scheduleCheckPendingRequests re-arms a setTimeout with a negative delay whenever
 * nothing is pending, so every broker connection runs an endless ~1 ms timer loop. Measured here:
 * ~800 event-loop wake-ups a second in every app at rest, 2-3 % of a core per process. A check is
 * only needed while requests wait in the queue: push() enqueues and schedules one, a fulfilled or
 * timed-out request checks the queue itself. Same body otherwise (throttling keeps its delay).
 */
export function patchKafkajsRequestQueue(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RequestQueue = require('kafkajs/src/network/requestQueue') as {
    prototype: { scheduleCheckPendingRequests(): void; __esIdleFix?: true };
  };
  if (RequestQueue.prototype.__esIdleFix) return;
  RequestQueue.prototype.__esIdleFix = true;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: {
    throttledUntil: number;
    throttleCheckTimeoutId: NodeJS.Timeout | null;
    pending: unknown[];
    checkPendingRequests(): void;
  }) {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    );
  };
}
patchKafkajsRequestQueue();

// Warnings that describe a choice we made, not a problem: we bound the idempotent producer's
// retries on purpose (the command processor fences and rehydrates instead), and we use the
// default partitioner (keys decide partitions, docs/events.md).
const EXPECTED_WARNINGS = [
  /^Limiting retries for the idempotent producer/,
  /^KafkaJS v2\.0\.0 switched default partitioner/,
  /^The group is rebalancing, re-joining/,
];

// A consumer's run loop died: the group stops consuming until kafkajs restarts it (or never).
const CONSUMER_FAILURES = [/^Crash: /, /^Error when calling each(Batch|Message)/];

// Repeated connection failures while a broker is down would otherwise print one line per retry
// and per client (hundreds a second across six apps); one line per message per window is enough.
const REPEAT_WINDOW_MS = 10000;

// Fields kafkajs adds to every entry or that can be large (payloads): not worth a log line.
// correlationId is kafkajs' protocol request id: it would overwrite our request correlation id.
const DROPPED_FIELDS = new Set(['message', 'timestamp', 'logger', 'level', 'payload', 'data', 'correlationId']);

export interface KafkaLogLine {
  readonly level: Level;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

/**
 * What a kafkajs log entry means for an operator: its expected, retried noise at debug, a consumer
 * crash at error, other errors at warn (kafkajs logs each retried connection at ERROR; our own code
 * reports the failures that matter), and always the cause (`error`, `stack`) kafkajs put next to it.
 */
export function mapKafkaLogEntry(entry: LogEntry): KafkaLogLine {
  const { message } = entry.log;
  const fields: Record<string, unknown> = { namespace: entry.namespace };
  for (const [key, value] of Object.entries(entry.log)) if (!DROPPED_FIELDS.has(key) && value !== undefined) fields[key] = value;
  const cause = typeof fields.error === 'string' ? fields.error : '';
  const text = `${message} ${cause}`;
  let level = LEVEL_NAMES[entry.level] ?? 'info';
  if (EXPECTED_WARNINGS.some((pattern) => pattern.test(message)) || RETRIED_ERRORS.some((retried) => text.includes(retried))) level = 'debug';
  else if (CONSUMER_FAILURES.some((pattern) => pattern.test(message))) level = 'error';
  else if (level === 'error') level = 'warn';
  return { level, msg: `kafkajs: ${message}`, fields };
}

/** The default connection retry: rides out a broker restart of several seconds. */
export const DEFAULT_CLIENT_RETRY: RetryOptions = { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 };

/**
 * For a client whose caller is waiting (an HTTP request): a dead broker is reported in about a
 * second instead of after ~30 s of reconnect attempts.
 */
export const FAIL_FAST_RETRY: RetryOptions = { initialRetryTime: 100, retries: 2, maxRetryTime: 400 };

/** Builds the kafkajs client from validated settings, with TLS/SASL for real clusters. */
export function createKafka(settings: KafkaSettings, logger?: JsonLogger, clientIdSuffix?: string, retry: RetryOptions = DEFAULT_CLIENT_RETRY): Kafka {
  const lastSeen = new Map<string, { at: number; suppressed: number }>();
  const config: KafkaConfig = {
    clientId: clientIdSuffix ? `${settings.clientId}-${clientIdSuffix}` : settings.clientId,
    brokers: [...settings.brokers],
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    retry,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      if (!logger) return;
      const { level, msg, fields } = mapKafkaLogEntry(entry);
      if (level === 'warn') {
        const now = Date.now();
        const seen = lastSeen.get(msg);
        if (seen && now - seen.at < REPEAT_WINDOW_MS) {
          seen.suppressed++;
          return;
        }
        if (seen?.suppressed) fields.repeatedSinceLastLine = seen.suppressed;
        lastSeen.set(msg, { at: now, suppressed: 0 });
        if (lastSeen.size > 1000) lastSeen.clear();
      }
      logger.event(level, msg, fields);
    },
  };
  if (settings.ssl) {
    config.ssl = settings.sslCaFile
      ? { ca: [readFileSync(settings.sslCaFile, 'utf8')], rejectUnauthorized: settings.sslRejectUnauthorized }
      : { rejectUnauthorized: settings.sslRejectUnauthorized };
  }
  if (settings.sasl) {
    config.sasl = {
      mechanism: settings.sasl.mechanism,
      username: settings.sasl.username,
      password: settings.sasl.password,
    } as SASLOptions;
  }
  return new Kafka(config);
}
