import type { PartialConfig } from '../config/fields.js';
import { loadConfigFile } from '../config/file.js';
import { type Discoverer, type Resolved, resolveConfig } from '../config/resolve.js';
import { UserError } from '../errors.js';
import type { State } from '../state/schema.js';
import { readState } from '../state/store.js';
import { keysFor, type StepId, stepInfo } from '../steps/catalog.js';
import type { Session } from './session.js';

export interface Prepared {
  resolved: Resolved;
  /** The state as it was on disk before this run (undefined: no state yet). */
  before: State | undefined;
}

/**
 * Everything that must be settled before the first cloud call: the config file, the recorded
 * state, every value (prompting where allowed). Reads only; creates no file.
 */
export async function prepare(
  session: Session,
  ids: readonly StepId[],
  discover?: Discoverer,
): Promise<Prepared> {
  const file = session.flags.config ? await loadConfigFile(session.flags.config) : {};
  const before = await readState(session.statePath);
  if (before && before.mode !== session.mode) {
    throw new UserError(
      'STATE_MODE_MISMATCH',
      `The state file ${session.statePath} was made in ${before.mode} mode; ` +
        `this run is in ${session.mode} mode.`,
      session.mode === 'sandbox'
        ? 'Pass a different --state for sandbox runs.'
        : 'Add --sandbox to work with this state, or pass a different --state.',
    );
  }
  const prompter = session.canPrompt
    ? (await import('../ui/prompt.js')).terminalPrompter()
    : undefined;
  const resolved = await resolveConfig({
    keys: keysFor(ids),
    flags: session.values,
    file,
    state: (before?.config ?? {}) as PartialConfig,
    ...(prompter ? { prompter } : {}),
    ...(discover ? { discover } : {}),
  });
  return { resolved, before };
}

/** A single step may run only once the steps it needs are recorded as done. */
export function assertNeedsDone(id: StepId, state: State | undefined): void {
  const missing = stepInfo(id).needs.filter((need) => state?.steps[need]?.status !== 'done');
  if (missing.length === 0) return;
  throw new UserError(
    'NEEDS_NOT_DONE',
    `${id} needs ${missing.join(', ')} to be done first.`,
    `Run ${missing.map((need) => `\`psc-bridge ${need}\``).join(', ')} first, ` +
      'or `psc-bridge setup` to run every step in order.',
  );
}

/** A single step may be removed only once nothing that needs it is still in place. */
export function assertNoDependents(id: StepId, state: State | undefined): void {
  const dependents = Object.entries(state?.steps ?? {})
    .filter(([, record]) => record && record.status !== 'pending')
    .map(([other]) => other as StepId)
    .filter((other) => stepInfo(other).needs.includes(id));
  if (dependents.length === 0) return;
  throw new UserError(
    'DEPENDENTS_REMAIN',
    `${id} cannot be removed while ${dependents.join(', ')} still depend on it.`,
    `Remove those first (${dependents.map((d) => `\`psc-bridge ${d} --destroy\``).join(', ')}), ` +
      'or run `psc-bridge teardown`.',
  );
}
