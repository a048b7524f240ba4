import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { APP_PORTS } from '@es/common';

/**
 * No Docker engine runs where the suite runs, so the compose file is checked as data: it parses,
 * and it wires every app with the same environment contract the apps validate at boot.
 */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command?: string[]; environment?: Record<string, unknown>; image?: string; build?: unknown }>;
  };

  it('runs Kafka from the official apache/kafka image and PostgreSQL', () => {
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
    expect(compose.services.kafka.environment).toMatchObject({ KAFKA_PROCESS_ROLES: 'broker,controller', KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' });
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
  });

  it.each(Object.entries(APP_PORTS))('starts %s with its built entry point and the contract environment', (app, { variable, port }) => {
    const service = compose.services[app];
    expect(service.command).toEqual(['node', `dist/apps/${app}/main.js`]);
    expect(service.environment).toMatchObject({
      KAFKA_BROKERS: 'kafka:9092',
      DATABASE_URL: expect.stringMatching(/^postgres:\/\/.+@postgres:5432\//),
      ES_NAMESPACE: expect.any(String),
      ADMIN_TOKEN: expect.any(String),
      HOST: '0.0.0.0',
      [variable]: port,
    });
  });
});
