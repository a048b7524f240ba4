import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

/**
 * Nest's default RPC filter replaces any error with "Internal server error". A fold error is the
 * dead letter's diagnosis, so projector handlers hand the original error back to the runtime.
 */
@Catch()
export class RethrowFoldErrorsFilter implements RpcExceptionFilter<unknown> {
  catch(error: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => error);
  }
}
