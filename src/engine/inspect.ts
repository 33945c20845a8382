import type { PartialConfig } from '../config/fields.js';
import { CloudError, RuntimeError } from '../errors.js';
import { emptyRecord, type State } from '../state/schema.js';
import type { StepId } from '../steps/catalog.js';
import type { Inspection, Step, StepContext } from '../steps/types.js';

export interface InspectOptions<Services> {
  state: State | undefined;
  config: PartialConfig;
  services: Services;
  signal: AbortSignal;
}

export type InspectOutcome =
  | { id: StepId; inspection: Inspection }
  | { id: StepId; error: unknown };

/** Asks every step what exists now, all at once; never changes anything. */
export function inspectSteps<S>(
  steps: readonly Step<S>[],
  options: InspectOptions<S>,
): Promise<InspectOutcome[]> {
  return Promise.all(
    steps.map(async (step): Promise<InspectOutcome> => {
      try {
        return { id: step.id, inspection: await step.inspect(readOnlyContext(step.id, options)) };
      } catch (error) {
        // Nothing can exist behind an API that is switched off (before enable-apis has run).
        if (error instanceof CloudError && error.code === 'API_NOT_ENABLED') {
          return {
            id: step.id,
            inspection: { presence: 'absent', resources: {}, differences: [] },
          };
        }
        return { id: step.id, error };
      }
    }),
  );
}

/** The same inspections, by step id: what `status`, `plan` and the previews read from. */
export async function inspectByStep<S>(
  steps: readonly Step<S>[],
  options: InspectOptions<S>,
): Promise<Map<StepId, InspectOutcome>> {
  const outcomes = await inspectSteps(steps, options);
  return new Map(outcomes.map((outcome) => [outcome.id, outcome]));
}

function readOnlyContext<S>(id: StepId, options: InspectOptions<S>): StepContext<S> {
  const recordOf = (step: StepId) => options.state?.steps[step] ?? emptyRecord();
  const refuse = (): never => {
    throw new RuntimeError('READ_ONLY', `inspect of ${id} tried to change the state`);
  };
  return {
    config: options.config,
    record: recordOf(id),
    outputs: (step) => recordOf(step).outputs,
    services: options.services,
    signal: options.signal,
    phase: 'inspect',
    assumeYes: false,
    token: async () => refuse(),
    forget: async () => refuse(),
    checkpoint: async () => refuse(),
    progress: () => {},
  };
}
