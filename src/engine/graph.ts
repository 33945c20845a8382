import type { StepId, StepInfo } from '../steps/catalog.js';

export type Direction = 'apply' | 'destroy';

/**
 * For each selected step, the selected steps it must wait for. Applying waits for what a step
 * needs; destroying waits for the steps that need it, so teardown walks the graph backwards.
 * Steps outside the selection are taken as settled (the command checks them beforehand).
 */
export function waitsFor(steps: readonly StepInfo[], direction: Direction): Map<StepId, StepId[]> {
  const selected = new Set(steps.map((step) => step.id));
  const result = new Map<StepId, StepId[]>();
  for (const step of steps) {
    const before =
      direction === 'apply'
        ? step.needs.filter((id) => selected.has(id))
        : steps.filter((other) => other.needs.includes(step.id)).map((other) => other.id);
    result.set(step.id, before);
  }
  assertAcyclic(result);
  return result;
}

function assertAcyclic(edges: Map<StepId, StepId[]>): void {
  const done = new Set<StepId>();
  const visiting = new Set<StepId>();
  const visit = (id: StepId): void => {
    if (done.has(id)) return;
    if (visiting.has(id)) throw new Error(`step graph has a cycle through ${id}`);
    visiting.add(id);
    for (const next of edges.get(id) ?? []) visit(next);
    visiting.delete(id);
    done.add(id);
  };
  for (const id of edges.keys()) visit(id);
}

/**
 * The longest chain of waits, counted in steps: what no amount of overlap can shorten.
 * Used by `plan` and the benchmark to explain timings.
 */
export function criticalPath(
  steps: readonly StepInfo[],
  direction: Direction,
  cost: (id: StepId) => number = () => 1,
): number {
  const edges = waitsFor(steps, direction);
  const memo = new Map<StepId, number>();
  const finish = (id: StepId): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const start = Math.max(0, ...(edges.get(id) ?? []).map(finish));
    const value = start + cost(id);
    memo.set(id, value);
    return value;
  };
  return Math.max(0, ...steps.map((step) => finish(step.id)));
}

/**
 * For each step, the longest chain of steps that cannot start before it ends, itself
 * included. Starting the step with the longest chain first puts the run's critical path on
 * the wire before anything else asks for the machine's time (loading an SDK, say).
 */
export function chainLengths(
  steps: readonly StepInfo[],
  direction: Direction,
): Map<StepId, number> {
  const edges = waitsFor(steps, direction);
  const after = new Map<StepId, StepId[]>(steps.map((step) => [step.id, []]));
  for (const [id, before] of edges) for (const each of before) after.get(each)?.push(id);
  const memo = new Map<StepId, number>();
  const length = (id: StepId): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const value = 1 + Math.max(0, ...(after.get(id) ?? []).map(length));
    memo.set(id, value);
    return value;
  };
  for (const step of steps) length(step.id);
  return memo;
}
