import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The step whose code is running, carried through every await. Cloud clients that talk to a
 * local emulator send it along (`x-psc-bridge-step`), so the emulator's call log can say
 * which step made each call; nothing is added to requests bound for the real clouds.
 */
export const currentStep = new AsyncLocalStorage<string>();

export const STEP_HEADER = 'x-psc-bridge-step';
