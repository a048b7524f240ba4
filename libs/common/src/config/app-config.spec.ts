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
});
