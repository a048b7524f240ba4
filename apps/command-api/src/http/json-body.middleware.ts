import { Injectable, NestMiddleware, UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/**
 * Every body is JSON (contract). The JSON parser silently skips a body of another type, which would
 * then validate as "no body" — and `ship` or `cancel` would accept a form post as `{}`. A request
 * that carries a body of another type is refused with 415 before any pipe runs.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  use(req: Request, _res: Response, next: NextFunction): void {
    if (carriesBody(req) && !req.is(['application/json', 'application/*+json'])) {
      next(new UnsupportedMediaTypeException('the request body must be application/json'));
      return;
    }
    next();
  }
}

// Not type-is' hasBody(): that counts `Content-Length: 0`, which clients send for a bodiless POST.
function carriesBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? 0);
  return Number.isFinite(length) && length > 0;
}
