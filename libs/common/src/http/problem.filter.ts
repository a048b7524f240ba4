import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { DomainError, ValidationError } from '@es/domain';
import type { Response } from 'express';
import type { JsonLogger } from '../logging/json-logger';
import { Problem, PROBLEM_CONTENT_TYPE, problem } from './problem';
import { ServiceError } from './service-errors';

/**
 * The only place that turns errors into HTTP status codes (docs/api.md, errors): domain errors and service
 * errors (service-errors.ts) carry a code, this filter maps codes to RFC 9457 problems.
 */
const STATUS_BY_CODE: Record<string, { status: number; title: string }> = {
  NOT_FOUND: { status: 404, title: 'Not Found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  VALIDATION: { status: 400, title: 'Validation Failed' },
  CONCURRENCY: { status: 412, title: 'Precondition Failed' },
  IDEMPOTENCY_MISMATCH: { status: 422, title: 'Idempotency Key Reused' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized' },
  UNAVAILABLE: { status: 503, title: 'Service Unavailable' },
  TIMEOUT: { status: 504, title: 'Gateway Timeout' },
};

@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: JsonLogger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toProblem(error, res);
    if (body.status >= 500 && body.status !== 503 && body.status !== 504) {
      this.logger.event('error', 'request failed', { error: describe(error) });
    }
    if (res.headersSent) return;
    res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  }

  private toProblem(error: unknown, res: Response): Problem {
    if (error instanceof DomainError || error instanceof ServiceError) {
      const mapped = STATUS_BY_CODE[error.code] ?? { status: 500, title: 'Internal Server Error' };
      const retryAfter = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (mapped.status === 503) res.setHeader('Retry-After', String(retryAfter ?? 1));
      const errors = error instanceof ValidationError ? error.errors : undefined;
      return problem(mapped.status, mapped.title, error.message, errors ? { errors } : {});
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const response = error.getResponse();
      const detail = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? error.message);
      return problem(
        status,
        HttpStatus[status]
          ?.replace(/_/g, ' ')
          .toLowerCase()
          .replace(/\b\w/g, (c) => c.toUpperCase()) ?? 'Error',
        detail,
      );
    }
    const parser = bodyParserProblem(error);
    if (parser) return parser;
    return problem(500, 'Internal Server Error', 'an unexpected error occurred');
  }
}

/** Errors raised by Express' body parser before any handler ran, or undefined for anything else. */
export function bodyParserProblem(error: unknown): Problem | undefined {
  switch ((error as { type?: string } | null)?.type) {
    case 'entity.too.large':
      return problem(413, 'Payload Too Large', 'the request body is larger than 64 KiB');
    case 'entity.parse.failed':
      return problem(400, 'Validation Failed', 'the request body is not valid JSON', {
        errors: [{ field: 'body', message: 'must be valid JSON' }],
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problem(415, 'Unsupported Media Type', 'the request body encoding is not supported');
    default:
      return undefined;
  }
}

function describe(error: unknown): Record<string, unknown> {
  return error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { value: String(error) };
}
