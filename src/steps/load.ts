import type { CloudServices } from '../cloud/clients.js';
import { RuntimeError } from '../errors.js';
import { type StepId, stepInfo } from './catalog.js';
import type { Step } from './types.js';

export type CloudStep = Step<CloudServices>;

/**
 * Loads step modules on demand (`steps/gcp/create-psc.js` exports `step`), so a run loads only
 * the code, and the SDKs, of the steps it runs.
 */
export async function loadSteps(ids: readonly StepId[]): Promise<CloudStep[]> {
  return Promise.all(ids.map(loadStep));
}

async function loadStep(id: StepId): Promise<CloudStep> {
  const { cloud } = stepInfo(id);
  let loaded: { step?: CloudStep };
  try {
    loaded = (await import(`./${cloud}/${id}.js`)) as { step?: CloudStep };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    // The step bodies are being built one cloud at a time; until a step's module exists its
    // subcommand, setup and teardown stop here rather than pretend to have done the work.
    throw new RuntimeError(
      'STEP_UNAVAILABLE',
      `The step ${id} is not implemented in this build of psc-bridge.`,
      'Use the equivalent gcloud/aws commands from the README for this step for now.',
    );
  }
  if (!loaded.step || loaded.step.id !== id) {
    throw new Error(`steps/${cloud}/${id} does not export the step ${id}`);
  }
  return loaded.step;
}
