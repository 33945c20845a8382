import { setTimeout as sleep } from 'node:timers/promises';
import { CloudError, InterruptedError, UserError } from '../errors.js';
import type { Difference } from './types.js';

/** Tag psc-bridge puts on every AWS resource it creates, so it can be recognised later. */
export const MANAGED_BY = { Key: 'managed-by', Value: 'psc-bridge' } as const;

/**
 * A resource exists under the name psc-bridge wants but is not what psc-bridge would make:
 * refuse, show each difference, say how to get past it. Never overwritten silently.
 */
export function conflict(resource: string, differences: Difference[], hint: string): UserError {
  const lines = differences.map((d) => `  ${formatDifference(d)}`);
  return new UserError(
    'CONFLICT',
    `${resource} already exists and differs from what psc-bridge would create:\n` +
      lines.join('\n'),
    hint,
  );
}

/** One difference as people read it: `field: expected X, found Y`. */
export function formatDifference(d: Difference): string {
  return `${d.field}: expected ${d.expected}, found ${d.actual}`;
}

/** Lists the fields where `actual` is not `expected` (compared as display strings). */
export function diff(pairs: Record<string, [expected: unknown, actual: unknown]>): Difference[] {
  const show = (value: unknown) =>
    value === undefined || value === null || value === '' ? '(none)' : String(value);
  return Object.entries(pairs)
    .filter(([, [expected, actual]]) => show(expected) !== show(actual))
    .map(([field, [expected, actual]]) => ({
      field,
      expected: show(expected),
      actual: show(actual),
    }));
}

export interface PollOptions {
  signal: AbortSignal;
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** First wait between looks (ms); doubles up to `maxIntervalMs`. */
  intervalMs: number;
  maxIntervalMs: number;
  /** What the wait is for, in the timeout message. */
  what: string;
  cloud: 'gcp' | 'aws';
  /** Called with elapsed ms after each look that did not finish. */
  onWait?: (elapsedMs: number) => void;
}

/**
 * Looks with `check` until it returns a value, backing off between looks. Throws a
 * CloudError on timeout and an InterruptedError when the signal fires.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const began = Date.now();
  let interval = options.intervalMs;
  for (;;) {
    if (options.signal.aborted) throw new InterruptedError();
    const value = await check();
    if (value !== undefined) return value;
    const elapsed = Date.now() - began;
    if (elapsed >= options.timeoutMs) {
      throw new CloudError(
        'TIMEOUT',
        `Gave up waiting for ${options.what} after ${Math.round(elapsed / 1000)}s.`,
        { cloud: options.cloud, api: 'wait' },
        'It may still finish: run the same command again later to pick it up.',
      );
    }
    options.onWait?.(elapsed);
    try {
      await sleep(Math.min(interval, options.timeoutMs - elapsed), undefined, {
        signal: options.signal,
      });
    } catch {
      throw new InterruptedError();
    }
    interval = Math.min(interval * 2, options.maxIntervalMs);
  }
}

export interface RetryOptions {
  signal: AbortSignal;
  attempts: number;
  /** First delay (ms); doubles each time. */
  delayMs: number;
  /** True when the failure is worth another try. */
  retryable: (error: unknown) => boolean;
}

/** Repeats a call that failed for a passing reason (not ready yet, API just enabled). */
export async function retrying<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  let delay = options.delayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= options.attempts || !options.retryable(error) || options.signal.aborted) {
        throw error;
      }
    }
    try {
      await sleep(delay, undefined, { signal: options.signal });
    } catch {
      throw new InterruptedError();
    }
    delay *= 2;
  }
}

export function isTransient(error: unknown): boolean {
  return error instanceof CloudError && error.details.transient === true;
}
