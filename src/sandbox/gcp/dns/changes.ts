import type { SandboxResult } from '../../types.js';
import {
  alreadyExists,
  between,
  bodyOf,
  GoogleApiError,
  invalid,
  json,
  notFound,
  objectList,
  timestamp,
} from '../http.js';
import { isIpv4 } from '../ipv4.js';
import type { ChangeRecord, GcpProject, ManagedZoneRecord, RecordSet } from '../world.js';
import { type DnsContext, listOf } from './common.js';
import { findZone } from './zones.js';

const TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'CAA'];

function changeView(change: ChangeRecord) {
  const records = (list: RecordSet[]) =>
    list.map((record) => ({ kind: 'dns#resourceRecordSet', ...record }));
  return {
    kind: 'dns#change',
    additions: records(change.additions),
    deletions: records(change.deletions),
    startTime: timestamp(change.startAt),
    id: change.id,
    status: change.status,
  };
}

export function getChange(ctx: DnsContext): SandboxResult {
  const zone = findZone(ctx);
  const id = ctx.params.change ?? '';
  const change = zone.changes.find((each) => each.id === id);
  if (!change) throw notFound(`The 'parameters.changeId' resource named '${id}' does not exist.`);
  return json(200, changeView(change));
}

export function listChanges(ctx: DnsContext): SandboxResult {
  const zone = findZone(ctx);
  const views = zone.changes.map(changeView);
  if (ctx.req.query.get('sortOrder') === 'descending') views.reverse();
  return listOf(ctx, 'dns#changesListResponse', 'changes', views);
}

/**
 * Applies a change atomically: every deletion must match an existing record set exactly
 * (412 otherwise), no addition may name an existing name and type (409), then the zone's SOA
 * serial moves on unless the change replaced the SOA itself. The change stays `pending` for
 * a moment, like the real service while it reaches the name servers.
 */
export function createChange(ctx: DnsContext): SandboxResult {
  const zone = findZone(ctx);
  const body = bodyOf(ctx.req);
  const additions = readRecords(zone, body.additions, 'additions', true);
  const deletions = readRecords(zone, body.deletions, 'deletions', false);
  if (additions.length === 0 && deletions.length === 0) {
    throw new GoogleApiError(400, 'required', "Required value: 'entity.change'");
  }

  const records = applyDeletions(zone.records, deletions);
  applyAdditions(records, additions);
  checkApex(zone, records);
  if (!additions.some((record) => record.type === 'SOA')) bumpSerial(zone, records);

  const now = ctx.env.now();
  const change: ChangeRecord = {
    id: String(zone.changes.length),
    startAt: now,
    doneAt: now + between(ctx.env, 3_000, 7_000),
    status: 'pending',
    additions,
    deletions,
  };
  zone.records = records;
  zone.changes.push(change);
  settleChanges(ctx.project, now);
  return json(200, changeView(change));
}

function readRecords(
  zone: ManagedZoneRecord,
  value: unknown,
  field: string,
  needTtl: boolean,
): RecordSet[] {
  return objectList(value).map((entry, index) => {
    const where = `entity.change.${field}[${index}]`;
    const name = typeof entry.name === 'string' ? entry.name.toLowerCase() : '';
    if (!name.endsWith('.') || !(name === zone.dnsName || name.endsWith(`.${zone.dnsName}`))) {
      throw invalid(`Invalid value for '${where}.name': '${name}'`);
    }
    const type = typeof entry.type === 'string' ? entry.type : '';
    if (!TYPES.includes(type)) throw invalid(`Invalid value for '${where}.type': '${type}'`);
    const ttl = Number(entry.ttl);
    if ((needTtl || entry.ttl !== undefined) && !(Number.isInteger(ttl) && ttl >= 0)) {
      throw invalid(`Invalid value for '${where}.ttl': '${String(entry.ttl ?? '')}'`);
    }
    const rrdatas = Array.isArray(entry.rrdatas)
      ? entry.rrdatas.filter((each): each is string => typeof each === 'string')
      : [];
    checkRrdatas(type, rrdatas, where);
    return { name, type, ttl: Number.isInteger(ttl) ? ttl : -1, rrdatas };
  });
}

function checkRrdatas(type: string, rrdatas: string[], where: string): void {
  if (rrdatas.length === 0) throw invalid(`Invalid value for '${where}.rrdatas': ''`);
  const bad =
    (type === 'A' && rrdatas.find((each) => !isIpv4(each))) ||
    (type === 'CNAME' && (rrdatas.length > 1 ? rrdatas[1] : undefined)) ||
    (type === 'CNAME' && rrdatas.find((each) => !each.endsWith('.')));
  if (bad) throw invalid(`Invalid value for '${where}.rrdatas': '${bad}'`);
}

function sameRecord(a: RecordSet, b: RecordSet): boolean {
  const set = (list: string[]) => [...list].sort().join('\n');
  return (
    a.name === b.name && a.type === b.type && a.ttl === b.ttl && set(a.rrdatas) === set(b.rrdatas)
  );
}

function applyDeletions(current: RecordSet[], deletions: RecordSet[]): RecordSet[] {
  let records = current.map((record) => ({ ...record, rrdatas: [...record.rrdatas] }));
  deletions.forEach((deletion, index) => {
    const match = records.find((record) => sameRecord(record, deletion));
    if (!match) {
      throw new GoogleApiError(
        412,
        'conditionNotMet',
        `Precondition not met for 'entity.change.deletions[${index}]'`,
      );
    }
    records = records.filter((record) => record !== match);
  });
  return records;
}

function applyAdditions(records: RecordSet[], additions: RecordSet[]): void {
  additions.forEach((addition, index) => {
    const sameName = records.filter((record) => record.name === addition.name);
    if (sameName.some((record) => record.type === addition.type)) {
      throw alreadyExists(
        `The resource 'entity.change.additions[${index}]' named ` +
          `'${addition.name} (${addition.type})' already exists`,
      );
    }
    const cname =
      addition.type === 'CNAME' ? sameName.length > 0 : sameName.some((r) => r.type === 'CNAME');
    if (cname) {
      throw new GoogleApiError(
        400,
        'cnameResourceRecordSetConflict',
        `The resource 'entity.change.additions[${index}]' named '${addition.name} ` +
          `(${addition.type})' conflicts with a CNAME record set of the same name.`,
      );
    }
    records.push(addition);
  });
}

/** The apex SOA and NS can be replaced but never removed. */
function checkApex(zone: ManagedZoneRecord, records: RecordSet[]): void {
  for (const type of ['SOA', 'NS']) {
    if (!records.some((record) => record.name === zone.dnsName && record.type === type)) {
      throw invalid(
        `Invalid value for 'entity.change.deletions': the ${type} record set of ` +
          `'${zone.dnsName}' cannot be deleted, only replaced`,
      );
    }
  }
}

function bumpSerial(zone: ManagedZoneRecord, records: RecordSet[]): void {
  const soa = records.find((record) => record.name === zone.dnsName && record.type === 'SOA');
  const fields = soa?.rrdatas[0]?.split(' ');
  if (!soa || !fields || fields.length < 7) return;
  fields[2] = String(Number(fields[2]) + 1);
  soa.rrdatas = [fields.join(' ')];
}

export function settleChanges(project: GcpProject, now: number): void {
  for (const zone of Object.values(project.managedZones)) {
    for (const change of zone.changes) {
      if (change.status === 'pending' && now >= change.doneAt) change.status = 'done';
    }
  }
}
