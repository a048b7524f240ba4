import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { unstorableStringProblem, ValidationError, type FieldError } from '@es/domain';

/**
 * The string rule of the command API, for every path segment and query value of every query
 * endpoint: PostgreSQL refuses a NUL in a query parameter (the request failed with 500). A guard, so
 * it runs for each route without the route asking, and before X-Min-Position makes anyone wait.
 */
@Injectable()
export class StorableRequestGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const errors: FieldError[] = [];
    const check = (field: string, value: unknown) => {
      for (const item of Array.isArray(value) ? value : [value]) {
        const problem = typeof item === 'string' ? unstorableStringProblem(item) : undefined;
        if (problem) errors.push({ field, message: problem });
      }
    };
    for (const [name, value] of Object.entries(req.params ?? {})) check(name, value);
    for (const [name, value] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
      const nameProblem = unstorableStringProblem(name);
      if (nameProblem) errors.push({ field: name, message: `is not an allowed parameter name: it ${nameProblem}` });
      else check(name, value);
    }
    if (errors.length > 0) throw new ValidationError(errors);
    return true;
  }
}
