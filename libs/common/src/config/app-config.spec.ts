import { loadAppConfig } from './app-config';

describe('loadAppConfig', () => {
  it('refuses to start the query API without ADMIN_TOKEN in production, naming the variable', () => {
    expect(() => loadAppConfig('query-api', { NODE_ENV: 'production' })).toThrow(/ADMIN_TOKEN is required when NODE_ENV=production/);
    expect(loadAppConfig('query-api', { NODE_ENV: 'production', ADMIN_TOKEN: 'a-long-enough-admin-token' }).adminToken).toBe('a-long-enough-admin-token');
    // Local development keeps generating one (query-api.module.ts); other apps never need it.
    expect(loadAppConfig('query-api', {}).adminToken).toBeUndefined();
    expect(() => loadAppConfig('command-api', { NODE_ENV: 'production' })).not.toThrow();
  });

  it('validates LOG_FORMAT', () => {
    expect(loadAppConfig('command-api', { LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(() => loadAppConfig('command-api', { LOG_FORMAT: 'fancy' })).toThrow(/LOG_FORMAT="fancy" is invalid/);
  });

  it('validates the command fetch settings instead of letting a bad value become NaN', () => {
    expect(loadAppConfig('command-processor', {}).commandFetch).toEqual({ minBytes: 1, maxWaitMs: 1000 });
    expect(loadAppConfig('command-processor', { COMMAND_FETCH_MIN_BYTES: '65536', COMMAND_FETCH_MAX_WAIT_MS: '5' }).commandFetch).toEqual({
      minBytes: 65536,
      maxWaitMs: 5,
    });
    expect(() => loadAppConfig('command-processor', { COMMAND_FETCH_MIN_BYTES: '64k' })).toThrow(/COMMAND_FETCH_MIN_BYTES="64k" is invalid/);
  });

  it('validates the projector settings with the rest of the config', () => {
    expect(loadAppConfig('orders-projector', {}).projection).toEqual({
      deadLetterPolicy: 'stop',
      maxAttempts: 3,
      dropOldVersionAfterMs: 10000,
      healthMaxLag: 0,
    });
    expect(() => loadAppConfig('orders-projector', { PROJECTION_DEAD_LETTER_POLICY: 'drop', PROJECTION_MAX_ATTEMPTS: '0' })).toThrow(
      /PROJECTION_DEAD_LETTER_POLICY="drop" is invalid[\s\S]*PROJECTION_MAX_ATTEMPTS="0" is invalid/,
    );
  });

  it('bounds the database waits, an idle transaction included, and validates them', () => {
    expect(loadAppConfig('orders-projector', {}).databaseTimeouts).toEqual({
      connectTimeoutMs: 5000,
      statementTimeoutMs: 30000,
      idleInTransactionTimeoutMs: 10000,
    });
    expect(loadAppConfig('orders-projector', { DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '0' }).databaseTimeouts.idleInTransactionTimeoutMs).toBe(0);
    expect(() => loadAppConfig('orders-projector', { DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '10s' })).toThrow(
      /DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS="10s" is invalid/,
    );
  });
});
