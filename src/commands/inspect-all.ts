import type { CloudServices } from '../cloud/clients.js';
import { type InspectOutcome, inspectByStep } from '../engine/inspect.js';
import { isPscError, messageOf } from '../errors.js';
import type { State } from '../state/schema.js';
import { STEP_IDS, type StepId } from '../steps/catalog.js';
import { type CloudStep, loadSteps } from '../steps/load.js';
import { say } from '../ui/terminal.js';
import { openEnvironment } from './environment.js';
import { prepare } from './prepare.js';
import type { Session } from './session.js';

export interface Looked {
  state: State | undefined;
  steps: CloudStep[];
  /** Live inspections by step; absent when the step could not be inspected. */
  live: Map<StepId, InspectOutcome>;
  /** Why nothing could be inspected live, when that is the case. */
  liveUnavailable?: string;
  config: Awaited<ReturnType<typeof prepare>>['resolved']['config'];
}

/** Resolves values, loads every step and inspects them all concurrently. Changes nothing. */
export async function lookAtEverything(session: Session): Promise<Looked> {
  const { resolved, before } = await prepare(session, STEP_IDS);
  let steps: CloudStep[];
  try {
    steps = await loadSteps(STEP_IDS);
  } catch (error) {
    if (!isPscError(error)) throw error;
    return {
      state: before,
      steps: [],
      live: new Map(),
      liveUnavailable: messageOf(error),
      config: resolved.config,
    };
  }
  const environment = await openEnvironment(session);
  try {
    const live = await inspectByStep<CloudServices>(steps, {
      state: before,
      config: resolved.config,
      services: environment.services(resolved.config, say),
      signal: new AbortController().signal,
    });
    return { state: before, steps, live, config: resolved.config };
  } finally {
    await environment.close();
  }
}
