import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { withCorrelation } from '../logging/correlation-context';

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes X-Correlation-Id from the caller (or makes one) and keeps it for the whole request. */
@Injectable()
export class CorrelationMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    const header = req.header('x-correlation-id');
    const correlationId = header && VALID.test(header) ? header : randomUUID();
    res.setHeader('X-Correlation-Id', correlationId);
    withCorrelation({ correlationId }, next);
  }
}
