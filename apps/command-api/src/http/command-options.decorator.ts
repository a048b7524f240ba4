import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { currentCorrelation } from '@es/common';
import { parseCommandHeaders } from './command-headers';

/**
 * The command's options from the request headers (Idempotency-Key, If-Match) and its correlation
 * id. Captured here, in the request's scope, and passed to the command handler explicitly, so
 * sending does not depend on async-context propagation.
 */
export const CommandOptionsFromHeaders = createParamDecorator((_data: unknown, ctx: ExecutionContext) => {
  const request = ctx.switchToHttp().getRequest<Request>();
  // The correlation middleware always runs first; the fallback only guards a misconfigured module.
  return parseCommandHeaders(request.headers, currentCorrelation()?.correlationId ?? randomUUID());
});
