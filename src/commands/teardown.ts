import type { Command } from 'commander';
import { STEP_IDS } from '../steps/catalog.js';
import { execute } from './execute.js';
import { sessionOf } from './session.js';
import { teardownPreview } from './summaries.js';

export async function teardownCommand(command: Command): Promise<number> {
  return execute({
    session: sessionOf(command),
    ids: STEP_IDS,
    direction: 'destroy',
    confirm: 'Delete what psc-bridge created in both clouds? Adopted resources are left alone.',
    preview: (_config, before, live) => teardownPreview(before, live),
  });
}
