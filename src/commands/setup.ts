import type { Command } from 'commander';
import { STEP_IDS } from '../steps/catalog.js';
import { execute } from './execute.js';
import { sessionOf } from './session.js';
import { setupPreview, setupSummary } from './summaries.js';

export async function setupCommand(command: Command): Promise<number> {
  return execute({
    session: sessionOf(command),
    ids: STEP_IDS,
    direction: 'apply',
    confirm: 'Create the private path to Google APIs in both clouds?',
    preview: setupPreview,
    summary: setupSummary,
  });
}
