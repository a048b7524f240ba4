import { AsyncLocalStorage } from 'node:async_hooks';

export interface CorrelationScope {
  readonly correlationId: string;
  readonly causationId?: string;
}

const storage = new AsyncLocalStorage<CorrelationScope>();

/** Runs `fn` with a correlation id that every log line written inside it carries. */
export function withCorrelation<T>(scope: CorrelationScope, fn: () => T): T {
  return storage.run(scope, fn);
}

export function currentCorrelation(): CorrelationScope | undefined {
  return storage.getStore();
}
