/**
 * Maybe-async values (`T | Promise<T>`): the ring and the sinks return a promise only when they
 * had to wait for an asynchronous output, so the synchronous path pays for no promise at all.
 */
export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
