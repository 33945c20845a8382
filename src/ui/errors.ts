import { CloudError, isPscError, messageOf } from '../errors.js';
import { type OutputSettings, paint, say } from './terminal.js';

/** Prints an error for a person: what went wrong, where, and what to do. */
export function reportError(error: unknown, settings: OutputSettings): void {
  const c = paint(settings);
  if (isPscError(error)) {
    say(`${c.red('error')} ${error.message}`);
    if (error instanceof CloudError) {
      const { api, resource, status } = error.details;
      const where = [api, resource && `resource ${resource}`, status && `HTTP ${status}`];
      say(c.dim(`  during ${where.filter(Boolean).join(', ')}`));
    }
    if (error.hint) say(`${c.yellow('hint')} ${error.hint}`);
    if (settings.verbose && error.stack) say(c.dim(error.stack));
    return;
  }
  say(`${c.red('error')} ${messageOf(error)}`);
  if (settings.verbose && error instanceof Error && error.stack) {
    say(c.dim(error.stack));
  } else {
    say(c.dim('  This looks like a bug in psc-bridge. Run again with --verbose for details.'));
  }
}
