import { randomUUID } from 'node:crypto';
import type { PartialConfig } from '../config/fields.js';
import { isPscError, messageOf, type PscError } from '../errors.js';
import { emptyRecord } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import type { StepId, StepInfo } from '../steps/catalog.js';
import type {
  ApplyAction,
  ApplyResult,
  Checkpoint,
  DestroyAction,
  DestroyResult,
  Step,
  StepContext,
} from '../steps/types.js';
import { currentStep } from '../util/scope.js';
import { chainLengths, type Direction, waitsFor } from './graph.js';

export type OutcomeAction = ApplyAction | DestroyAction | 'failed' | 'skipped' | 'interrupted';

export interface StepOutcome {
  id: StepId;
  action: OutcomeAction;
  durationMs: number;
  resources: Record<string, string>;
  /** What the step recorded for others and for the user, e.g. the forwarder IPs. */
  outputs?: Record<string, unknown>;
  notes: string[];
  error?: unknown;
}

/** How the engine tells the person watching what happens; the UI layer implements it. */
export interface Reporter {
  started(step: StepInfo, direction: Direction): void;
  progress(step: StepInfo, text: string): void;
  finished(step: StepInfo, outcome: StepOutcome): void;
}

export interface EngineOptions<Services> {
  steps: readonly Step<Services>[];
  direction: Direction;
  store: StateStore;
  config: PartialConfig;
  services: Services;
  reporter: Reporter;
  signal: AbortSignal;
  assumeYes: boolean;
  /**
   * Steps recorded done that the caller has just inspected and found present as wanted:
   * they are reported unchanged without running `apply`, so a rerun of a finished setup
   * reads each resource once, all steps at the same time, instead of step after step.
   */
  confirmed?: ReadonlySet<StepId>;
}

export interface RunResult {
  ok: boolean;
  interrupted: boolean;
  /** One per selected step, in the order they finished (skipped ones last). */
  outcomes: StepOutcome[];
  /** The first step that failed, if any. */
  failure?: { id: StepId; error: unknown };
}

/**
 * Runs steps over the dependency graph: each starts as soon as what it waits for is done, so
 * independent chains overlap. Every transition reaches the state file before the next action.
 * On the first failure, or when the signal fires, nothing new starts; running steps finish
 * and are recorded.
 */
export async function runSteps<S>(options: EngineOptions<S>): Promise<RunResult> {
  const { steps, direction, signal } = options;
  const edges = waitsFor(steps, direction);
  const finished = new Map<StepId, StepOutcome>();
  const running = new Map<StepId, Promise<void>>();
  let failure: RunResult['failure'];

  const chain = chainLengths(steps, direction);
  const ready = () =>
    steps
      .filter(
        (step) =>
          !finished.has(step.id) &&
          !running.has(step.id) &&
          (edges.get(step.id) ?? []).every((id) => isSuccess(finished.get(id))),
      )
      .sort((a, b) => (chain.get(b.id) ?? 0) - (chain.get(a.id) ?? 0));

  const stopped = aborted(signal);
  for (;;) {
    const stopping = failure !== undefined || signal.aborted;
    if (!stopping) {
      for (const step of ready()) {
        const work = runOne(step, options).then((outcome) => {
          finished.set(step.id, outcome);
          running.delete(step.id);
          if (outcome.action === 'failed' && !failure) {
            failure = { id: step.id, error: outcome.error };
          }
        });
        running.set(step.id, work);
      }
    }
    if (running.size === 0) break;
    await Promise.race([...running.values(), stopped]);
    if (signal.aborted) await Promise.all(running.values());
  }

  const outcomes = [...finished.values()];
  for (const step of steps) {
    if (!finished.has(step.id)) outcomes.push(skipped(step.id));
  }
  const interrupted = signal.aborted;
  const ok = !interrupted && outcomes.every(isSuccess);
  return failure ? { ok, interrupted, outcomes, failure } : { ok, interrupted, outcomes };
}

function isSuccess(outcome: StepOutcome | undefined): boolean {
  return outcome !== undefined && !['failed', 'skipped', 'interrupted'].includes(outcome.action);
}

function skipped(id: StepId): StepOutcome {
  return { id, action: 'skipped', durationMs: 0, resources: {}, notes: [] };
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

async function runOne<S>(step: Step<S>, options: EngineOptions<S>): Promise<StepOutcome> {
  const { store, direction, reporter } = options;
  const began = performance.now();
  await store.updateStep(step.id, (record) => {
    record.status = 'in-progress';
    record.operation = direction;
    record.startedAt = new Date().toISOString();
    delete record.error;
  });
  reporter.started(step, direction);

  let outcome: StepOutcome;
  try {
    const ctx = contextFor(step, options);
    const result = await currentStep.run(step.id, () =>
      direction === 'apply' ? applyUnlessConfirmed(step, ctx, options) : step.destroy(ctx),
    );
    outcome = await recordSuccess(step, direction, result, began, store);
  } catch (error) {
    outcome = await recordFailure(step, direction, error, began, options);
  }
  reporter.finished(step, outcome);
  return outcome;
}

function contextFor<S>(step: Step<S>, options: EngineOptions<S>): StepContext<S> {
  const { store } = options;
  return {
    config: options.config,
    get record() {
      return store.record(step.id);
    },
    outputs: (id) => store.record(id).outputs,
    services: options.services,
    signal: options.signal,
    phase: options.direction,
    assumeYes: options.assumeYes,
    token: async (name) => {
      const existing = store.record(step.id).tokens[name];
      if (existing) return existing;
      const token = randomUUID();
      await store.updateStep(step.id, (record) => {
        record.tokens[name] = token;
      });
      return token;
    },
    forget: (name) =>
      store.updateStep(step.id, (record) => {
        delete record.tokens[name];
      }),
    checkpoint: (change) => store.updateStep(step.id, (record) => merge(record, change)),
    progress: (text) => options.reporter.progress(step, text),
  };
}

function applyUnlessConfirmed<S>(
  step: Step<S>,
  ctx: StepContext<S>,
  options: EngineOptions<S>,
): Promise<ApplyResult> {
  const { ownership } = ctx.record;
  if (!options.confirmed?.has(step.id) || !ownership) return step.apply(ctx);
  return Promise.resolve({ action: 'unchanged', ownership, resources: {} });
}

function merge(record: ReturnType<StateStore['record']>, change: Checkpoint): void {
  Object.assign(record.resources, change.resources);
  Object.assign(record.outputs, change.outputs);
  if ('prior' in change) record.prior = change.prior;
}

async function recordSuccess(
  step: StepInfo,
  direction: Direction,
  result: ApplyResult | DestroyResult,
  began: number,
  store: StateStore,
): Promise<StepOutcome> {
  const at = new Date().toISOString();
  let resources: Record<string, string> = {};
  let outputs: Record<string, unknown> | undefined;
  await store.updateStep(step.id, (record) => {
    if (direction === 'apply' && 'ownership' in result) {
      record.status = 'done';
      record.ownership = result.ownership;
      Object.assign(record.resources, result.resources);
      Object.assign(record.outputs, result.outputs);
      resources = { ...record.resources };
      if (Object.keys(record.outputs).length > 0) outputs = { ...record.outputs };
    } else {
      // Torn down: nothing of this step is left to track.
      for (const key of Object.keys(record)) delete record[key as keyof typeof record];
      Object.assign(record, emptyRecord());
    }
    record.action = result.action;
    record.finishedAt = at;
    delete record.operation;
    delete record.error;
  });
  const durationMs = Math.round(performance.now() - began);
  const notes = result.notes ?? [];
  return {
    id: step.id,
    action: result.action,
    durationMs,
    resources,
    notes,
    ...(outputs ? { outputs } : {}),
  };
}

async function recordFailure<S>(
  step: StepInfo,
  direction: Direction,
  error: unknown,
  began: number,
  options: EngineOptions<S>,
): Promise<StepOutcome> {
  const interrupted = options.signal.aborted;
  const code = isPscError(error) ? (error as PscError).code : 'UNEXPECTED';
  await options.store.updateStep(step.id, (record) => {
    // An interrupted step stays in progress: its tokens let a rerun pick up the same work.
    record.status = interrupted ? 'in-progress' : 'failed';
    record.operation = direction;
    record.error = interrupted
      ? { code: 'INTERRUPTED', message: 'interrupted before it finished' }
      : { code, message: messageOf(error) };
  });
  return {
    id: step.id,
    action: interrupted ? 'interrupted' : 'failed',
    durationMs: Math.round(performance.now() - began),
    resources: { ...options.store.record(step.id).resources },
    notes: [],
    error,
  };
}
