import type { Command } from 'commander';
import { messageOf } from '../errors.js';
import { emptyRecord } from '../state/schema.js';
import { emit, emitJson, paintResults, say } from '../ui/terminal.js';
import { lookAtEverything } from './inspect-all.js';
import { changes, plannedApply, plannedDestroy } from './planned.js';
import { sessionOf } from './session.js';

/** `psc-bridge plan`: what setup (or teardown) would do now, and the equivalent CLI lines. */
export async function planCommand(command: Command): Promise<number> {
  const session = sessionOf(command);
  const direction = session.options.teardown === true ? 'destroy' : 'apply';
  const looked = await lookAtEverything(session);
  if (looked.liveUnavailable) {
    if (session.flags.json) emitJson({ direction, steps: [], error: looked.liveUnavailable });
    say(`Cannot plan: ${looked.liveUnavailable}`);
    return 1;
  }
  const ordered = direction === 'apply' ? looked.steps : [...looked.steps].reverse();
  const rows = ordered.map((step) => {
    const record = looked.state?.steps[step.id] ?? emptyRecord();
    const live = looked.live.get(step.id);
    const action =
      direction === 'apply' ? plannedApply(live, record) : plannedDestroy(step, record, live);
    const inspection = live && 'inspection' in live ? live.inspection : undefined;
    return {
      id: step.id,
      action,
      commands: changes(action) ? step.commands(looked.config, direction) : [],
      ...(live && 'error' in live ? { error: messageOf(live.error) } : {}),
      ...(inspection ? { differences: inspection.differences } : {}),
      ...(inspection?.consent && direction === 'apply' ? { needsYes: inspection.consent } : {}),
    };
  });
  if (session.flags.json) {
    emitJson({ direction, steps: rows });
    return 0;
  }
  const c = paintResults(session.output);
  for (const row of rows) {
    emit(`${row.id.padEnd(25)} ${row.action}`);
    for (const line of row.needsYes ?? []) emit(c.yellow(`    needs your yes: ${line}`));
    for (const line of row.commands) emit(c.dim(`    ${line}`));
    if (row.error) emit(c.red(`    ${row.error}`));
  }
  return 0;
}
