import { warmUpAws } from '../cloud/clients.js';
import type { PartialConfig } from '../config/fields.js';
import type { Direction } from '../engine/graph.js';
import { type InspectOutcome, inspectByStep } from '../engine/inspect.js';
import { type Reporter, type RunResult, runSteps } from '../engine/run.js';
import { InterruptedError, isPscError, messageOf, UserError } from '../errors.js';
import type { State } from '../state/schema.js';
import { StateStore } from '../state/store.js';
import { type StepId, stepInfo } from '../steps/catalog.js';
import { loadSteps } from '../steps/load.js';
import { reportError } from '../ui/errors.js';
import { createReporter } from '../ui/reporter.js';
import { emit, emitJson, say } from '../ui/terminal.js';
import { cloudDiscoverer } from './discover.js';
import { type Environment, openEnvironment } from './environment.js';
import { prepare } from './prepare.js';
import type { Session } from './session.js';
import type { Live } from './summaries.js';

export interface ExecuteRequest {
  session: Session;
  ids: readonly StepId[];
  direction: Direction;
  /** Asked once before anything changes (skipped with --yes). */
  confirm?: string;
  /** Checks on the recorded state before the run (e.g. a single step's needs). */
  precheck?: (state: State | undefined) => void;
  /**
   * Lines shown above the confirmation question, on a terminal only. `live` holds what the
   * steps found when they looked just before: what the run will create, adopt or change.
   */
  preview?: (config: PartialConfig, before: State | undefined, live: Live) => string[];
  /** Result lines printed on stdout after a successful run (not with --json). */
  summary?: (after: Readonly<State>) => string[];
}

/** Resolves values, takes the state lock, runs the steps, reports. Returns the exit code. */
export async function execute(request: ExecuteRequest): Promise<number> {
  const environment = await openEnvironment(request.session);
  try {
    return await executeIn(environment, request);
  } finally {
    await environment.close();
  }
}

async function executeIn(environment: Environment, request: ExecuteRequest): Promise<number> {
  const { session, ids, direction } = request;
  const discover = session.canPrompt ? cloudDiscoverer(environment.endpoints) : undefined;
  const { resolved, before } = await prepare(session, ids, discover);
  request.precheck?.(before);
  const steps = await loadSteps(ids);
  const services = environment.services(resolved.config, say);
  const look = (which: typeof steps): Promise<Live> =>
    inspectByStep(which, {
      state: before,
      config: resolved.config,
      services,
      signal: new AbortController().signal,
    });
  const recordedDone = steps.filter((step) => before?.steps[step.id]?.status === 'done');
  // What the steps find now: all of them when someone is shown a preview, else only the
  // finished ones of a setup (to spare them a second, step-after-step round of reads).
  let live: Live | undefined;
  if (request.preview && session.canPrompt) {
    live = await look(steps);
    for (const line of request.preview(resolved.config, before, live)) say(line);
  } else if (direction === 'apply' && recordedDone.length > 0) {
    live = await look(recordedDone);
  }
  // Finished steps still as wanted: a setup reports them unchanged without applying again.
  const unchanged = direction === 'apply' ? recordedDone : [];
  const confirmed = new Set(
    unchanged.filter((step) => asWanted(live?.get(step.id))).map((step) => step.id),
  );
  const consented = request.confirm
    ? await confirmOrAbort(session, request.confirm, direction)
    : session.flags.yes === true;

  // The first live status comes from a step waiting on the cloud: a good moment to load the
  // AWS SDK for the AWS steps still to come, off the path of any request.
  const reporter = onFirstProgress(await createReporter(session.output), (started) => {
    if (steps.some((step) => step.cloud === 'aws' && !started.has(step.id))) warmUpAws(services);
  });
  const store = await StateStore.open(session.statePath, session.mode);
  const stop = new AbortController();
  const onSignal = () => {
    if (!stop.signal.aborted) say('Stopping: letting running steps record where they are...');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await store.update((state) => {
      state.config = { ...state.config, ...resolved.config };
    });
    const result = await runSteps({
      steps,
      direction,
      store,
      config: resolved.config,
      services,
      reporter,
      signal: stop.signal,
      assumeYes: consented,
      confirmed,
    });
    reporter.close(); // the spinner stops before the summary is printed
    if (result.ok && request.summary && !session.flags.json) {
      emit(request.summary(store.data).join('\n'));
    }
    return finish(session, result);
  } finally {
    reporter.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await store.close();
  }
}

/** Calls `first` once, with the steps started so far, at the first live status. */
function onFirstProgress<R extends Reporter>(
  reporter: R,
  first: (started: ReadonlySet<StepId>) => void,
): R {
  const started = new Set<StepId>();
  let seen = false;
  const { progress, started: start } = reporter;
  reporter.started = (step, direction) => {
    started.add(step.id);
    start.call(reporter, step, direction);
  };
  reporter.progress = (step, text) => {
    if (!seen) {
      seen = true;
      first(started);
    }
    progress.call(reporter, step, text);
  };
  return reporter;
}

/** Present, as psc-bridge wants it, with nothing that would need the user's yes. */
function asWanted(outcome: InspectOutcome | undefined): boolean {
  if (!outcome || 'error' in outcome) return false;
  const { presence, consent = [] } = outcome.inspection;
  return presence === 'present' && consent.length === 0;
}

/**
 * Asks once before anything changes. Returns true when the run may also make the changes
 * that need consent (e.g. turning on inbound forwarding on an adopted DNS policy): --yes or a
 * yes on the terminal. Without a terminal, a setup goes ahead without that consent and a
 * teardown is refused.
 */
async function confirmOrAbort(
  session: Session,
  question: string,
  direction: Direction,
): Promise<boolean> {
  if (session.flags.yes) return true;
  if (!session.canPrompt) {
    if (direction === 'apply') return false;
    throw new UserError(
      'CONFIRMATION_NEEDED',
      'Removing cloud resources needs a confirmation, but there is no terminal to ask on.',
      'Pass --yes to confirm.',
    );
  }
  const { confirmOnTerminal } = await import('../ui/prompt.js');
  if (!(await confirmOnTerminal(question))) {
    throw new InterruptedError('Aborted: nothing was changed.');
  }
  return true;
}

function finish(session: Session, result: RunResult): number {
  if (session.flags.json) {
    emitJson({
      ok: result.ok,
      steps: result.outcomes.map((o) => ({
        id: o.id,
        action: o.action,
        durationMs: o.durationMs,
        resources: o.resources,
        ...(o.outputs ? { outputs: o.outputs } : {}),
      })),
      ...(result.failure
        ? {
            error: {
              step: result.failure.id,
              code: isPscError(result.failure.error) ? result.failure.error.code : 'UNEXPECTED',
              message: messageOf(result.failure.error),
            },
          }
        : {}),
    });
  }
  if (result.interrupted) {
    say(
      'Interrupted. The state file records where each step stopped; ' +
        'run the same command again to resume.',
    );
    return 130;
  }
  if (result.failure) {
    const { id, error } = result.failure;
    say(`\n${id} (${stepInfo(id).title}) failed:`);
    reportError(error, session.output);
    say('Fix the cause and run the same command again: finished steps are not repeated.');
    return isPscError(error) ? error.exitCode : 1;
  }
  return 0;
}
