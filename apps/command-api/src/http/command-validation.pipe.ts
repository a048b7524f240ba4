import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { unstorableStringErrors, ValidationError, type FieldError } from '@es/domain';
import { jsonStructureErrors } from './json-structure';
import { toFieldErrors } from './field-errors';

/** A DTO whose rules span several fields (e.g. each sku at most once among the lines). */
export interface CrossFieldRules {
  crossFieldErrors(): FieldError[];
}

/**
 * The command API's only gate before Kafka: anything it lets through is sent and appended to the
 * command topic, so every rule of the contract is checked here and a failure is the domain
 * ValidationError (→ 400 problem+json with `errors`), never a Nest BadRequestException.
 */
@Injectable()
export class CommandValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      // Unknown fields are a 400, not silently dropped: a typo like `quantiy` must not look accepted.
      forbidNonWhitelisted: true,
      transform: true,
      // One message per field: the first rule it breaks (a string quantity is "not an integer", not
      // also "below 1" and "above 1000000").
      stopAtFirstError: true,
      // No implicit conversion: "5" is not a quantity.
      transformOptions: { enableImplicitConversion: false },
      // Values are kept only so the error mapping can tell array indexes from field names; they are
      // never echoed to the client.
      validationError: { target: false, value: true },
      exceptionFactory: (errors) => new ValidationError(toFieldErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // The JSON parser lets arrays through (strict mode refuses only bare scalars); a command body is
    // always an object. An absent body stays allowed here: it validates as `{}`, which is a 400 for
    // every body with a required field and fine for ship/cancel.
    if (metadata.type === 'body' && value !== undefined && !isPlainObject(value)) {
      throw new ValidationError([{ field: 'body', message: 'must be a JSON object' }]);
    }
    if (metadata.type !== 'custom') {
      // Before class-transformer, which recurses (a 5,000-level body overflowed the stack) and would
      // treat `__proto__` as a prototype rather than as an unknown field. Then the one string rule,
      // on every string of every body, path and query parameter, whatever the DTO says. Header values
      // (custom) are printable ASCII by their own rules.
      const structure = jsonStructureErrors(value);
      if (structure.length > 0) throw new ValidationError(structure);
      const strings = unstorableStringErrors(value, metadata.type === 'body' || metadata.data === undefined ? '' : metadata.data);
      if (strings.length > 0) throw new ValidationError(strings);
    }
    const result = await super.transform(value, metadata);
    if (hasCrossFieldRules(result)) {
      const errors = result.crossFieldErrors();
      if (errors.length > 0) throw new ValidationError(errors);
    }
    return result;
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasCrossFieldRules(value: unknown): value is CrossFieldRules {
  return typeof value === 'object' && value !== null && typeof (value as Partial<CrossFieldRules>).crossFieldErrors === 'function';
}
