import { unstorableStringProblem, ValidationError, type FieldError } from '@es/domain';

/**
 * Query-string validation for the read endpoints: unknown or repeated parameters are errors
 * (contract: anything else is 400), every problem is reported at once as problem+json `errors`.
 */
export class QueryParams {
  private readonly errors: FieldError[] = [];

  constructor(
    private readonly query: Record<string, unknown>,
    allowed: readonly string[],
  ) {
    for (const [name, value] of Object.entries(query)) {
      if (!allowed.includes(name)) this.errors.push({ field: name, message: 'is not a known query parameter' });
      else if (typeof value !== 'string') this.errors.push({ field: name, message: 'must be given at most once' });
    }
  }

  string(name: string, { min = 1, max = 200 }: { min?: number; max?: number } = {}): string | undefined {
    const value = this.query[name];
    if (typeof value !== 'string') return undefined;
    if (value.length < min || value.length > max) this.errors.push({ field: name, message: `must be ${min}–${max} characters` });
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.query[name];
    if (typeof value !== 'string') return undefined;
    if (!(allowed as readonly string[]).includes(value)) this.errors.push({ field: name, message: `must be one of ${allowed.join(', ')}` });
    return value as T;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.query[name];
    if (typeof value !== 'string') return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      this.errors.push({ field: name, message: `must be an integer from ${min} to ${max}` });
      return fallback;
    }
    return n;
  }

  /** Decodes an opaque cursor; `decode` returns undefined for anything we did not issue. */
  cursor<T>(name: string, decode: (raw: string) => T | undefined): T | undefined {
    const value = this.query[name];
    if (typeof value !== 'string') return undefined;
    const decoded = decode(value);
    if (decoded === undefined) this.errors.push({ field: name, message: 'is not a cursor this API issued' });
    return decoded;
  }

  fail(field: string, message: string): void {
    this.errors.push({ field, message });
  }

  done(): void {
    if (this.errors.length > 0) throw new ValidationError(this.errors);
  }
}

/** Cursors are opaque to clients: base64url of a small versioned JSON document. */
export function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify({ v: 1, ...value })).toString('base64url');
}

export function decodeCursor(raw: string, keys: readonly string[]): Record<string, string> | undefined {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(raw)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    // The decoded values go into SQL parameters: a crafted cursor must meet the string rule too.
    const valid = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 200 && unstorableStringProblem(v) === undefined;
    if (parsed?.v !== 1 || !keys.every((k) => valid(parsed[k]))) return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}
