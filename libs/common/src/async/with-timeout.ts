/**
 * Rejects with `message` when `promise` has not settled within `ms` (the work itself goes on; its
 * late result is ignored). For calls whose own timeout is far longer than their caller can wait:
 * kafkajs gives up on a broker that stopped answering only after its request timeout and retries.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message = `no answer within ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
