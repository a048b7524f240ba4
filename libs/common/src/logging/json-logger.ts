import type { LoggerService } from '@nestjs/common';
import { currentCorrelation } from './correlation-context';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFormat = 'json' | 'pretty';

/** JSON for machines (pipes, files, containers); readable lines when a person watches a terminal. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stdout): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

// Nest announces every module, controller and route at boot (~15 lines per app, the same every
// time): useful when debugging the wiring, noise otherwise.
const BOOT_CHATTER_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication', 'NestMicroservice']);

/**
 * One JSON object per line on stdout so log shippers need no parsing rules (or, with the `pretty`
 * format, one readable line); every line carries the app name and, inside a request or message
 * handler, its correlation id. Writes are synchronous on purpose: `failed to start` must reach the
 * terminal before process.exit(1), which an asynchronous logger (pino's default) would lose.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly app: string,
    private level: Level = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
    private readonly format: LogFormat = 'json',
  ) {}

  // Colours only for a person at a terminal (and not for one who asked for none: NO_COLOR).
  private readonly colors = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;

  setLevel(level: Level): void {
    this.level = level;
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.emit('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }

  /** Structured variant for our own code: `logger.event('info', 'command applied', { commandId })`. */
  event(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
    if (RANK[level] < RANK[this.level]) return;
    const correlation = currentCorrelation();
    const time = new Date().toISOString();
    if (this.format === 'pretty') {
      this.write(prettyLine(this.colors, time, level, this.app, msg, correlation ? { correlationId: correlation.correlationId, ...fields } : fields));
      return;
    }
    this.write(
      JSON.stringify({
        time,
        level,
        app: this.app,
        msg,
        ...(correlation ? { correlationId: correlation.correlationId } : {}),
        ...fields,
      }),
    );
  }

  private emit(level: Level, message: unknown, rest: unknown[]): void {
    // Nest passes the context (class name) as the last string argument, and a stack for errors.
    const args = [...rest];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    if (level === 'info' && context && BOOT_CHATTER_CONTEXTS.has(context)) level = 'debug';
    if (RANK[level] < RANK[this.level]) return;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (level === 'error' && typeof args[0] === 'string') fields.stack = args.shift();
    if (args.length > 0) fields.details = args;
    if (message instanceof Error) {
      fields.error = { name: message.name, message: message.message, stack: message.stack };
      this.event(level, message.message, fields);
    } else if (typeof message === 'object' && message !== null) {
      this.event(level, (message as { msg?: string }).msg ?? 'log', { ...fields, ...(message as object) });
    } else {
      this.event(level, String(message), fields);
    }
  }
}

const COLORS: Record<Level, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };
const RESET = '\x1b[0m';

/** `12:00:01.234 WARN  command-api  msg key=value …`, then an error's stack indented below. */
function prettyLine(colors: boolean, time: string, level: Level, app: string, msg: string, fields: Record<string, unknown>): string {
  const stacks: string[] = [];
  const pairs = Object.entries(fields).map(([key, value]) => {
    if (key === 'stack' && typeof value === 'string') {
      stacks.push(value);
      return '';
    }
    if (key === 'error' && value && typeof value === 'object' && typeof (value as { stack?: unknown }).stack === 'string') {
      const { stack, ...rest } = value as { stack: string };
      stacks.push(stack);
      return `error=${JSON.stringify(rest)}`;
    }
    return `${key}=${typeof value === 'string' && !/[\s"=]/.test(value) ? value : JSON.stringify(value)}`;
  });
  const label = level.toUpperCase().padEnd(5);
  const head = `${time.slice(11, 23)} ${colors ? `${COLORS[level]}${label}${RESET}` : label} ${app.padEnd(19)} ${msg}`;
  const line = [head, ...pairs.filter(Boolean)].join(' ');
  return stacks.length > 0 ? `${line}\n${stacks.map((stack) => stack.replace(/^/gm, '    ')).join('\n')}` : line;
}
