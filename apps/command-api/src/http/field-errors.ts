import type { ValidationError as ClassValidatorError } from 'class-validator';
import type { FieldError } from '@es/domain';

/**
 * class-validator reports a tree (`lines` → `1` → `sku`); clients get flat field paths in the
 * domain's notation (`lines[1].sku`), one entry per broken rule, in body order.
 */
export function toFieldErrors(errors: readonly ClassValidatorError[]): FieldError[] {
  const seen = new Set<string>();
  // Several constraints of one field can share a message (`must be an integer from 1 to …` for
  // IsInt, Min and Max): the client gets it once.
  return flatten(errors, '', false).filter((e) => {
    const key = `${e.field}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function flatten(errors: readonly ClassValidatorError[], parent: string, parentIsArray: boolean): FieldError[] {
  return errors.flatMap((error) => {
    const field = childPath(parent, error.property, parentIsArray);
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      message: messageFor(constraint, message),
    }));
    return [...own, ...flatten(error.children ?? [], field, Array.isArray(error.value))];
  });
}

function childPath(parent: string, property: string, parentIsArray: boolean): string {
  if (parent === '') return property;
  // Children of an array are its indexes: `lines[1]`, not `lines.1`.
  return parentIsArray ? `${parent}[${property}]` : `${parent}.${property}`;
}

/**
 * Our DTOs carry their own messages, written without the property name (the field says it). These are
 * the constraints class-validator adds by itself, whose default text would repeat the name.
 */
function messageFor(constraint: string, message: string): string {
  switch (constraint) {
    case 'whitelistValidation':
      return 'is not an allowed field';
    case 'nestedValidation':
      return 'must be an object';
    default:
      return message;
  }
}
