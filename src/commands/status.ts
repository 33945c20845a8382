import type { Command } from 'commander';
import { messageOf } from '../errors.js';
import { emptyRecord } from '../state/schema.js';
import { CATALOG } from '../steps/catalog.js';
import { formatDifference } from '../steps/shared.js';
import { emit, emitJson, paint, paintResults, say } from '../ui/terminal.js';
import { lookAtEverything } from './inspect-all.js';
import { sessionOf } from './session.js';

/** `psc-bridge status`: recorded status, live presence, ownership and ids, per step. */
export async function statusCommand(command: Command): Promise<number> {
  const session = sessionOf(command);
  const looked = await lookAtEverything(session);
  const rows = CATALOG.map((info) => {
    const record = looked.state?.steps[info.id] ?? emptyRecord();
    const live = looked.live.get(info.id);
    const presence = !live ? 'unknown' : 'error' in live ? 'error' : live.inspection.presence;
    return {
      id: info.id,
      status: record.status,
      live: presence,
      owned: record.ownership ?? null,
      resources: record.resources,
      ...(live && 'inspection' in live && live.inspection.differences.length > 0
        ? { differences: live.inspection.differences }
        : {}),
      ...(live && 'error' in live ? { liveError: messageOf(live.error) } : {}),
    };
  });

  if (session.flags.json) {
    emitJson({ steps: rows });
    return 0;
  }
  const c = paint(session.output);
  const r = paintResults(session.output);
  if (!looked.state) say(c.dim(`No state at ${session.statePath}: nothing recorded yet.`));
  if (looked.liveUnavailable) say(c.yellow(`Live checks unavailable: ${looked.liveUnavailable}`));
  for (const row of rows) {
    const ids = Object.entries(row.resources)
      .map(([role, id]) => `${role}=${id}`)
      .join(' ');
    emit(
      `${row.id.padEnd(25)} ${row.status.padEnd(12)} live:${row.live.padEnd(8)} ` +
        `${(row.owned ?? '-').padEnd(8)} ${r.dim(ids)}`,
    );
    for (const d of row.differences ?? []) {
      emit(r.yellow(`    ${formatDifference(d)}`));
    }
    if (row.liveError) emit(r.red(`    ${row.liveError}`));
  }
  return 0;
}
