import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import { isDatabaseUnavailable, UnavailableError } from '@es/common';

/**
 * PostgreSQL being unreachable (refused, restarting, a connect or statement timeout) is not a bug
 * of the request: the client gets 503 with Retry-After, and retries, instead of a 500.
 */
@Injectable()
export class DatabaseUnavailableInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(
        catchError((error: unknown) =>
          throwError(() => (isDatabaseUnavailable(error) ? new UnavailableError('the read database cannot be reached; retry shortly', 2) : error)),
        ),
      );
  }
}
