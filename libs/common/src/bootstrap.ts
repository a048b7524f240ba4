import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, loadAppConfig } from './config/app-config';
import { ConfigError } from './config/env-reader';
import { applyHttpServerLimits } from './http/http-server-limits';
import { JsonLogger } from './logging/json-logger';

export interface BootstrapOptions {
  /** Extra wiring before listen (body parser, filters, OpenAPI …). */
  configure?(app: NestExpressApplication, config: AppConfig, logger: JsonLogger): void | Promise<void>;
}

/** Validated config, or exit 1 with a message naming every bad variable (docs/operations.md, configuration). */
export function loadConfigOrExit(appName: string): AppConfig {
  try {
    return loadAppConfig(appName);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${appName}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Boots one deployable: validated config (exit 1 naming the variable), JSON logs, HTTP server on its
 * own port (every app serves /health and /metrics) with timeouts against slow clients and
 * problem+json for requests Node refuses itself (431, 408, 400), clean shutdown on SIGTERM/SIGINT.
 */
export async function bootstrap(
  appName: string,
  rootModule: (config: AppConfig, logger: JsonLogger) => Type | DynamicModule,
  options: BootstrapOptions = {},
): Promise<INestApplication> {
  const config = loadConfigOrExit(appName);
  const logger = new JsonLogger(appName, config.logLevel, undefined, config.logFormat);
  try {
    const app = await NestFactory.create<NestExpressApplication>(rootModule(config, logger), {
      logger,
      bufferLogs: true,
      bodyParser: false,
    });
    handleShutdownSignals(app, logger);
    // Every app, health-only servers included: a socket held open by a slow client costs the same.
    applyHttpServerLimits(app.getHttpServer(), config.http);
    await options.configure?.(app, config, logger);
    await app.listen(config.port, config.host);
    logger.event('info', 'started', { url: `http://${config.host}:${config.port}`, namespace: config.namespace });
    return app;
  } catch (error) {
    logger.event('error', 'failed to start', { error: { name: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack } });
    process.exit(1);
  }
}

/**
 * SIGTERM/SIGINT: close the app (Nest runs every shutdown hook: consumers leave their groups,
 * producers flush, pools close) and exit 0; a close that hangs is cut short with exit 1.
 */
function handleShutdownSignals(app: INestApplication, logger: JsonLogger): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.event('info', 'stopping', { signal });
    const force = setTimeout(() => {
      logger.event('error', 'shutdown timed out, exiting');
      process.exit(1);
    }, 25000);
    force.unref();
    app
      .close()
      .then(() => {
        logger.event('info', 'stopped');
        process.exit(0);
      })
      .catch((error: Error) => {
        logger.event('error', 'shutdown failed', { error: error.message });
        process.exit(1);
      });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
