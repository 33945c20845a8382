import type { Command } from 'commander';
import { type StepId, stepInfo } from '../steps/catalog.js';
import { execute } from './execute.js';
import { assertNeedsDone, assertNoDependents } from './prepare.js';
import { sessionOf } from './session.js';
import { setupPreview, stepSummary, teardownPreview } from './summaries.js';

/** `psc-bridge <step-id>`: one step, after checking its needs (or, with --destroy, dependents). */
export async function stepCommand(id: StepId, command: Command): Promise<number> {
  const session = sessionOf(command);
  const destroy = session.options.destroy === true;
  return execute({
    session,
    ids: [id],
    direction: destroy ? 'destroy' : 'apply',
    confirm: destroy ? `Remove what ${id} created?` : `Run ${id} (${stepInfo(id).title})?`,
    precheck: (state) => (destroy ? assertNoDependents(id, state) : assertNeedsDone(id, state)),
    preview: (config, before, live) =>
      destroy ? teardownPreview(before, live, [id]) : setupPreview(config, before, live, [id]),
    summary: destroy ? undefined : (after) => stepSummary(id, after),
  });
}
