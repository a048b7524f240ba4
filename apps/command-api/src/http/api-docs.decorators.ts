import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '@es/common';
import { IDEMPOTENCY_KEY_HEADER, IF_MATCH_HEADER } from './command-headers';
import { ProblemDto } from './problem.dto';

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The body, a path parameter or a header breaks a validation rule (see `errors`); nothing was sent.',
  404: 'The product or order does not exist.',
  409: 'A rule of the domain forbids the command (duplicate sku, cancel a shipped order, ship an order that is not CONFIRMED …).',
  412: 'If-Match named a version the aggregate is not at.',
  413: 'The body is larger than 64 KiB.',
  415: 'The body is not JSON.',
  422: 'The Idempotency-Key was already used with a different request.',
  503: 'Kafka cannot be reached or did not confirm the command; retry after `Retry-After` seconds with the same Idempotency-Key (a command Kafka did not confirm may still apply).',
  504: 'No outcome arrived in time; the command may still apply — retrying with the same Idempotency-Key is safe.',
};

/** The problem+json answers a command endpoint can give, documented once. */
export function ApiProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Error',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
        ...(status === 503 ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } } } : {}),
      }),
    ),
  );
}

/** Idempotency-Key and If-Match, which every command endpoint accepts. */
export function ApiCommandHeaders(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      description:
        '1–200 printable characters. A retry with the same key and the same body returns the first response and appends nothing; the same key with a different body is 422.',
    }),
    ApiHeader({
      name: IF_MATCH_HEADER,
      required: false,
      description: 'An aggregate version (`3`, `"3"` or `W/"3"`): the command applies only if the aggregate is at that version, else 412.',
    }),
  );
}
