/** RFC 9457 problem details, the only error body our HTTP APIs send. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
  readonly [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problem(status: number, title: string, detail: string, extra: Partial<Problem> = {}): Problem {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return { type: `https://errors.kafka-es.dev/${slug}`, title, status, detail, ...extra };
}
