import type { InspectOutcome } from '../engine/inspect.js';
import type { StepRecord } from '../state/schema.js';
import type { StepInfo } from '../steps/catalog.js';

/**
 * What a run would do with one step, judged from what exists now and what the state records.
 * Setup: create (absent), adopt (present, not yet recorded), update (present but differing in
 * a way psc-bridge may change with consent), refuse (present but different), nothing (done).
 * Teardown: delete what psc-bridge created, restore a shared resource it changed, leave what
 * it adopted or keeps, nothing when nothing is there.
 */
export type Planned =
  | 'create'
  | 'adopt'
  | 'update'
  | 'refuse'
  | 'nothing'
  | 'delete'
  | 'restore'
  | 'leave'
  | 'unknown';

export function plannedApply(live: InspectOutcome | undefined, record: StepRecord): Planned {
  if (!live || 'error' in live) return 'unknown';
  const { presence, consent = [] } = live.inspection;
  if (presence === 'absent') return 'create';
  if (presence === 'drifted') return consent.length > 0 ? 'update' : 'refuse';
  if (consent.length > 0) return 'update';
  return record.status === 'done' ? 'nothing' : 'adopt';
}

/** Teardown's action; without a live look (`live` undefined) it goes by the record alone. */
export function plannedDestroy(info: StepInfo, record: StepRecord, live?: InspectOutcome): Planned {
  if (live && 'error' in live) return 'unknown';
  if (live?.inspection.presence === 'absent' && record.prior === undefined) return 'nothing';
  if (!record.ownership) return live && live.inspection.presence !== 'absent' ? 'leave' : 'nothing';
  if (info.teardown === 'keeps') return 'leave';
  if (record.ownership === 'created') return info.teardown === 'restores' ? 'restore' : 'delete';
  // Adopted, but changed with consent (inbound forwarding turned on): put back as it was.
  return record.prior === undefined ? 'leave' : 'restore';
}

/** Whether the action changes something in a cloud, so its CLI lines are worth showing. */
export function changes(action: Planned): boolean {
  return ['create', 'update', 'refuse', 'delete', 'restore'].includes(action);
}
