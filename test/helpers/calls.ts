import type { CallRecord } from '../../src/sandbox/types.js';
import { type StepId, stepInfo } from '../../src/steps/catalog.js';

/** From the first to the last call each step made, by the sandbox's clock. */
export function spans(calls: readonly CallRecord[]): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const call of calls) {
    if (!call.step) continue;
    const [start, end] = out.get(call.step) ?? [call.at, call.at];
    out.set(call.step, [Math.min(start, call.at), Math.max(end, call.at)]);
  }
  return out;
}

/** The GCP steps whose calls fell inside the span of `aws`'s calls: evidence of overlap. */
export function gcpStepsDuring(calls: readonly CallRecord[], aws: StepId): string[] {
  const byStep = spans(calls);
  const window = byStep.get(aws);
  if (!window) return [];
  return [...byStep]
    .filter(([id]) => stepInfo(id as StepId).cloud === 'gcp')
    .filter(([, [start, end]]) => start < window[1] && end > window[0])
    .map(([id]) => id);
}
