import { JsonLogger } from './json-logger';

function capture(level: 'debug' | 'info' = 'info', format: 'json' | 'pretty' = 'json') {
  const lines: string[] = [];
  return { lines, logger: new JsonLogger('test-app', level, (line) => lines.push(line), format) };
}

describe('JsonLogger', () => {
  it("logs Nest's boot chatter at debug and the rest of Nest's messages as they come", () => {
    const { lines, logger } = capture('info');
    logger.log('KafkaModule dependencies initialized', 'InstanceLoader');
    logger.log('Mapped {/health, GET} route', 'RouterExplorer');
    logger.log('HealthController {/}:', 'RoutesResolver');
    logger.log('Nest application successfully started', 'NestApplication');
    logger.warn('something odd', 'SomeService');
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: 'warn', msg: 'something odd', context: 'SomeService' })]);

    const verbose = capture('debug');
    verbose.logger.log('Mapped {/health, GET} route', 'RouterExplorer');
    expect(JSON.parse(verbose.lines[0])).toMatchObject({ level: 'debug', msg: 'Mapped {/health, GET} route', context: 'RouterExplorer' });
  });

  it('writes one readable line in the pretty format, with the stack below', () => {
    const { lines, logger } = capture('info', 'pretty');
    logger.event('info', 'started', { url: 'http://127.0.0.1:3000', namespace: 'es' });
    logger.event('error', 'failed to start', { error: { name: 'Error', message: 'boom', stack: 'Error: boom\n    at main (main.js:1:1)' } });
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} .*INFO.* test-app +started url=http:\/\/127\.0\.0\.1:3000 namespace=es$/);
    expect(lines[1].split('\n')).toEqual([
      expect.stringMatching(/ERROR.* failed to start error=\{"name":"Error","message":"boom"\}$/),
      '    Error: boom',
      '        at main (main.js:1:1)',
    ]);
  });
});
