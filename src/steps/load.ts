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
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
    if (!missing || !String((error as Error).message).includes(`${cloud}/${id}.js`)) throw error;
    throw new RuntimeError(
      'STEP_MISSING',
      `The code of step ${id} is missing from this installation (dist/steps/${cloud}/${id}.js).`,
      'Reinstall psc-bridge, or run `npm run build` in a clone.',
    );
  }
  if (!loaded.step || loaded.step.id !== id) {
    throw new Error(`steps/${cloud}/${id} does not export the step ${id}`);
  }
  return loaded.step;
}
