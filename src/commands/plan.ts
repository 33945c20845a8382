import type { Command } from 'commander';
import type { InspectOutcome } from '../engine/inspect.js';
import { messageOf } from '../errors.js';
import { emptyRecord, type StepRecord } from '../state/schema.js';
import type { CloudStep } from '../steps/load.js';
import { emit, emitJson, paintResults, say } from '../ui/terminal.js';
import { lookAtEverything } from './inspect-all.js';
import { sessionOf } from './session.js';

/**
 * create: absent, setup makes it. adopt: present and as wanted but not recorded, setup records
 * it as adopted. refuse: present but different, setup stops there. nothing: already done.
 * delete / leave: what teardown does with what psc-bridge created / adopted.
 */
type Planned = 'create' | 'adopt' | 'refuse' | 'nothing' | 'delete' | 'leave' | 'unknown';

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
      step.keptOnTeardown && direction === 'destroy' ? 'leave' : decide(direction, live, record);
    const pending = action === 'create' || action === 'delete' || action === 'refuse';
    return {
      id: step.id,
      action,
      commands: pending ? commandsOf(step, looked.config, direction) : [],
      ...(live && 'error' in live ? { error: messageOf(live.error) } : {}),
      ...(live && 'inspection' in live ? { differences: live.inspection.differences } : {}),
    };
  });
  if (session.flags.json) {
    emitJson({ direction, steps: rows });
    return 0;
  }
  const c = paintResults(session.output);
  for (const row of rows) {
    emit(`${row.id.padEnd(25)} ${row.action}`);
    for (const line of row.commands) emit(c.dim(`    ${line}`));
    if (row.error) emit(c.red(`    ${row.error}`));
  }
  return 0;
}

function decide(
  direction: 'apply' | 'destroy',
  live: InspectOutcome | undefined,
  record: StepRecord,
): Planned {
  if (!live || 'error' in live) return 'unknown';
  const { presence } = live.inspection;
  if (direction === 'apply') {
    if (presence === 'absent') return 'create';
    if (presence === 'drifted') return 'refuse';
    return record.status === 'done' ? 'nothing' : 'adopt';
  }
  if (presence === 'absent') return 'nothing';
  return record.ownership === 'created' ? 'delete' : 'leave';
}

function commandsOf(step: CloudStep, config: Looked['config'], direction: 'apply' | 'destroy') {
  return step.commands(config, direction);
}

type Looked = Awaited<ReturnType<typeof lookAtEverything>>;
