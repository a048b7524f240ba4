import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { from, Observable, switchMap } from 'rxjs';
import { APP_CONFIG, AppConfig } from '@es/common';
import { UnavailableError, ValidationError } from '@es/domain';
import { decodePosition } from '@es/event-store';
import { ActiveVersionsService } from '../shared/active-versions.service';
import { CheckpointWaiter } from './checkpoint-waiter.service';

export const MIN_POSITION_HEADER = 'X-Min-Position';

/**
 * Any GET may carry `X-Min-Position` (the `position` a command returned): answer only once the read
 * models have applied it, or 503 + Retry-After after READ_YOUR_WRITES_TIMEOUT_MS. A token we did not
 * issue is a client error (400).
 */
@Injectable()
export class MinPositionInterceptor implements NestInterceptor {
  constructor(
    private readonly waiter: CheckpointWaiter,
    private readonly versions: ActiveVersionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const token = req.method === 'GET' ? req.header(MIN_POSITION_HEADER) : undefined;
    if (token === undefined) return next.handle();
    const position = decodePosition(token.trim());
    if (!position) throw new ValidationError([{ field: MIN_POSITION_HEADER, message: 'is not a position token issued by the command API' }]);
    return from(this.waiter.waitUntilApplied(position, this.config.readYourWritesTimeoutMs)).pipe(
      switchMap((applied) => {
        if (!applied) {
          throw new UnavailableError(`the read models have not applied position ${token} within ${this.config.readYourWritesTimeoutMs} ms`, 1);
        }
        this.versions.forgetMissing();
        return next.handle();
      }),
    );
  }
}
