import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, loadAppConfig } from './config/app-config';
import { ConfigError } from './config/env-reader';
import { isDependencyUnavailable } from './dependency-errors';
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
 *
 * A start that fails because Kafka or PostgreSQL cannot be reached — down when the app starts, or
 * gone in the middle of its start (a broker restarting while the processor joins its groups) — is
 * not final: the half-started app is closed (its consumers leave their groups, its pools close) and
 * the whole start runs again with back-off, for up to STARTUP_WAIT_MS. A process that exited instead
 * would need someone to start it again, and a broker restart would ripple into app restarts. Any
 * other failure (a port taken, a topic whose partition count differs, a bug) exits 1 at once.
 */
export async function bootstrap(
  appName: string,
  rootModule: (config: AppConfig, logger: JsonLogger) => Type | DynamicModule,
  options: BootstrapOptions = {},
): Promise<INestApplication> {
  const config = loadConfigOrExit(appName);
  const logger = new JsonLogger(appName, config.logLevel, undefined, config.logFormat);
  const shutdown = handleShutdownSignals(logger);
  const giveUpAt = Date.now() + config.startupWaitMs;
  for (let attempt = 1; ; attempt++) {
    let app: NestExpressApplication | undefined;
    try {
      app = await NestFactory.create<NestExpressApplication>(rootModule(config, logger), {
        logger,
        bufferLogs: true,
        bodyParser: false,
      });
      shutdown.app = app;
      // Every app, health-only servers included: a socket held open by a slow client costs the same.
      applyHttpServerLimits(app.getHttpServer(), config.http);
      await options.configure?.(app, config, logger);
      await app.listen(config.port, config.host);
      logger.event('info', 'started', { url: `http://${config.host}:${config.port}`, namespace: config.namespace });
      return app;
    } catch (error) {
      const retryInMs = Math.min(5000, 500 * 2 ** (attempt - 1));
      const retry = isDependencyUnavailable(error) && Date.now() + retryInMs < giveUpAt && !shutdown.stopping;
      if (!retry) {
        logger.event('error', 'failed to start', {
          attempts: attempt,
          error: { name: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack },
        });
        process.exit(1);
      }
      logger.event('warn', 'start interrupted: a dependency cannot be reached; starting again', {
        attempt,
        retryInMs,
        giveUpInMs: giveUpAt - Date.now(),
        error: `${(error as Error).name}: ${(error as Error).message}`,
      });
      shutdown.app = undefined;
      await closeHalfStarted(app, logger);
      await new Promise((resolve) => setTimeout(resolve, retryInMs));
    }
  }
}

/** Closes what a failed start opened (every shutdown hook runs); a close that hangs is abandoned. */
async function closeHalfStarted(app: INestApplication | undefined, logger: JsonLogger): Promise<void> {
  if (!app) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, 15000)));
  await Promise.race([app.close().catch((error: Error) => logger.event('warn', 'closing the half-started app failed', { error: error.message })), timeout]);
  clearTimeout(timer);
}

/**
 * SIGTERM/SIGINT: close the app (Nest runs every shutdown hook: consumers leave their groups,
 * producers flush, pools close) and exit 0; a close that hangs is cut short with exit 1. Between two
 * start attempts there is nothing to close: exit 0 at once.
 */
function handleShutdownSignals(logger: JsonLogger): { app?: INestApplication; stopping: boolean } {
  const shutdown: { app?: INestApplication; stopping: boolean } = { stopping: false };
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.stopping) return;
    shutdown.stopping = true;
    logger.event('info', 'stopping', { signal });
    const app = shutdown.app;
    if (!app) {
      logger.event('info', 'stopped');
      process.exit(0);
    }
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
  return shutdown;
}
