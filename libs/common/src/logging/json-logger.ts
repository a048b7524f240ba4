import type { LoggerService } from '@nestjs/common';
import { currentCorrelation } from './correlation-context';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * One JSON object per line on stdout so log shippers need no parsing rules; every line carries the
 * app name and, inside a request or message handler, its correlation id.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly app: string,
    private level: Level = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

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
    this.write(
      JSON.stringify({
        time: new Date().toISOString(),
        level,
        app: this.app,
        msg,
        ...(correlation ? { correlationId: correlation.correlationId } : {}),
        ...fields,
      }),
    );
  }

  private emit(level: Level, message: unknown, rest: unknown[]): void {
    if (RANK[level] < RANK[this.level]) return;
    // Nest passes the context (class name) as the last string argument, and a stack for errors.
    const args = [...rest];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
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
