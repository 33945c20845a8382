import type { PartialConfig } from '../../config/fields.js';
import { UserError } from '../../errors.js';
import { stepInfo } from '../catalog.js';
import type { CloudStep } from '../load.js';
import { conflict, pollUntil } from '../shared.js';
import type { ApplyResult, DestroyResult, Difference, Inspection } from '../types.js';
import {
  applied,
  call,
  createOnce,
  type GcpContext,
  gcloud,
  orAbsent,
  pollOptions,
  setting,
  sh,
  shown,
} from './common.js';
import { dnsOf, project, type RecordSet, recordsAt, recordText } from './dns.js';

const TTL = 300;
const CHANGE_TIMEOUT_MS = 5 * 60_000;

/** A record set as psc-bridge writes and remembers it. */
interface Rrset {
  name: string;
  type: string;
  ttl: number;
  rrdatas: string[];
}

type Verdict =
  | { kind: 'missing'; want: Rrset }
  | { kind: 'present'; want: Rrset; found: RecordSet }
  | { kind: 'conflict'; want: Rrset; found: RecordSet[] };

export const step: CloudStep = {
  ...stepInfo('add-records'),
  cloud: 'gcp',

  async inspect(ctx): Promise<Inspection> {
    const zone = zoneOf(ctx);
    // No zone yet (create-zone has not run): nothing of this step can exist either.
    const verdicts = await orAbsent(judgeAll(ctx, zone));
    if (!verdicts) return { presence: 'absent', resources: {}, differences: [] };
    const present = verdicts.filter((each) => each.kind === 'present');
    const differences = verdicts.flatMap(differenceOf);
    const presence =
      present.length === verdicts.length
        ? 'present'
        : present.length === 0 && differences.length === 0
          ? 'absent'
          : 'drifted';
    return { presence, resources: { zone }, differences };
  },

  async apply(ctx): Promise<ApplyResult> {
    const zone = zoneOf(ctx);
    const verdicts = (await orAbsent(judgeAll(ctx, zone))) ?? refuseMissingZone(ctx, zone);
    refuseConflicts(zone, verdicts);

    const earlier = recorded(ctx);
    const present = verdicts.flatMap((each) => (each.kind === 'present' ? [each.want] : []));
    const oursPresent = present.filter((want) => earlier.some((each) => same(each, want)));
    const adopted = present.filter((want) => !oursPresent.includes(want));
    const missing = verdicts.flatMap((each) => (each.kind === 'missing' ? [each.want] : []));
    const added = [...oursPresent, ...missing];
    const outputs = { zone, added, adopted: adopted.map(label) };

    if (missing.length > 0) {
      await ctx.checkpoint({ resources: { zone }, outputs });
      await addRecords(ctx, zone, missing, outputs);
    }
    return {
      ...outcome(ctx, missing.length > 0, added.length > 0),
      resources: { zone },
      outputs,
      notes: adopted.map(
        (want) => `Adopted the existing record ${label(want)}; teardown keeps it.`,
      ),
    };
  },

  async destroy(ctx): Promise<DestroyResult> {
    const zone = ctx.record.resources.zone ?? zoneOf(ctx);
    const added = recorded(ctx);
    const kept = keptNotes(ctx);
    if (added.length === 0) return { action: kept.length > 0 ? 'kept' : 'absent', notes: kept };

    const live = await orAbsent(liveRecords(ctx, zone, added));
    if (!live) return { action: 'absent', notes: kept };
    const deletions = matchForDeletion(zone, added, live);
    if (deletions.length === 0) return { action: 'absent', notes: kept };
    await change(ctx, zone, { deletions });
    return { action: 'deleted', notes: kept };
  },

  commands(config, direction) {
    const zone = `--zone=${shown(config, 'dnsZone')}`;
    const verb = `dns record-sets ${direction === 'apply' ? 'create' : 'delete'}`;
    const endpoint = `${shown(config, 'pscEndpoint')}.googleapis.com.`;
    const data = (rrdata: string) =>
      direction === 'apply' ? [`--ttl=${TTL}`, `--rrdatas=${rrdata}`] : [];
    return [
      gcloud(config, verb, sh('*.googleapis.com.'), '--type=CNAME', zone, ...data(endpoint)),
      gcloud(config, verb, endpoint, '--type=A', zone, ...data(shown(config, 'pscIp'))),
    ];
  },
};

/** The zone create-zone made or adopted (its real name), else the configured one. */
function zoneOf(ctx: GcpContext): string {
  const zone = ctx.outputs('create-zone').zone;
  return typeof zone === 'string' && zone !== '' ? zone : setting(ctx.config, 'dnsZone');
}

function wanted(config: Readonly<PartialConfig>): Rrset[] {
  const endpoint = `${setting(config, 'pscEndpoint')}.googleapis.com.`;
  return [
    { name: '*.googleapis.com.', type: 'CNAME', ttl: TTL, rrdatas: [endpoint] },
    { name: endpoint, type: 'A', ttl: TTL, rrdatas: [setting(config, 'pscIp')] },
  ];
}

function label(record: Rrset): string {
  return `${record.name} ${record.type}`;
}

function dataOf(record: RecordSet | Rrset): string {
  return [...(record.rrdatas ?? [])]
    .map((each) => each.toLowerCase())
    .sort()
    .join(' ');
}

function same(a: Rrset, b: Rrset): boolean {
  return a.name === b.name && a.type === b.type && dataOf(a) === dataOf(b) && a.ttl === b.ttl;
}

/** The records this step added, as the state remembers them (written before the change). */
function recorded(ctx: GcpContext): Rrset[] {
  const added = ctx.record.outputs.added;
  return Array.isArray(added) ? (added as Rrset[]) : [];
}

function keptNotes(ctx: GcpContext): string[] {
  const adopted = ctx.record.outputs.adopted;
  if (!Array.isArray(adopted) || adopted.length === 0) return [];
  return [`Kept ${adopted.join(' and ')}: they existed before psc-bridge.`];
}

/** Reads each wanted name once and judges every wanted record against what is there. */
async function judgeAll(ctx: GcpContext, zone: string): Promise<Verdict[]> {
  const want = wanted(ctx.config);
  const live = await liveRecords(ctx, zone, want);
  return want.map((each) => judge(each, live.get(each.name) ?? []));
}

async function liveRecords(
  ctx: GcpContext,
  zone: string,
  records: Rrset[],
): Promise<Map<string, RecordSet[]>> {
  const names = [...new Set(records.map((each) => each.name))];
  const found = await Promise.all(names.map((name) => recordsAt(ctx, zone, name)));
  return new Map(names.map((name, index) => [name, found[index] ?? []]));
}

/** A CNAME cannot share its name with any other record, so both directions conflict. */
function judge(want: Rrset, atName: RecordSet[]): Verdict {
  const sameType = atName.find((each) => each.type === want.type);
  if (sameType) {
    // Another TTL is a difference too: adopting it would leave the record unlike the config.
    const matches = dataOf(sameType) === dataOf(want) && sameType.ttl === want.ttl;
    if (matches) return { kind: 'present', want, found: sameType };
    return { kind: 'conflict', want, found: [sameType] };
  }
  const blocking = atName.filter((each) => want.type === 'CNAME' || each.type === 'CNAME');
  if (blocking.length > 0) return { kind: 'conflict', want, found: blocking };
  return { kind: 'missing', want };
}

function differenceOf(verdict: Verdict): Difference[] {
  if (verdict.kind !== 'conflict') return [];
  return [
    {
      field: verdict.want.name,
      expected: recordText(verdict.want),
      actual: verdict.found.map(recordText).join('; '),
    },
  ];
}

function refuseMissingZone(ctx: GcpContext, zone: string): never {
  throw new UserError(
    'ZONE_MISSING',
    `The Cloud DNS zone ${zone} does not exist in project ${project(ctx)}, so the records ` +
      'have nowhere to go.',
    'Run `psc-bridge create-zone` first (or pass the zone that serves googleapis.com. with ' +
      '--dns-zone).',
  );
}

function refuseConflicts(zone: string, verdicts: Verdict[]): void {
  const differences = verdicts.flatMap(differenceOf);
  if (differences.length === 0) return;
  throw conflict(
    `Records in the zone ${zone}`,
    differences,
    'Change or delete those records (they would answer for every googleapis.com name), or ' +
      'point psc-bridge at them as they are with --psc-endpoint and --psc-ip.',
  );
}

function outcome(
  ctx: GcpContext,
  addedNow: boolean,
  anyOurs: boolean,
): Pick<ApplyResult, 'action' | 'ownership'> {
  const ownership = anyOurs ? 'created' : 'adopted';
  if (addedNow) return { action: 'created', ownership };
  if (applied(ctx) === ownership) return { action: 'unchanged', ownership };
  return { action: anyOurs ? 'created' : 'adopted', ownership };
}

async function addRecords(
  ctx: GcpContext,
  zone: string,
  additions: Rrset[],
  outputs: { added: Rrset[] },
): Promise<void> {
  ctx.progress(`adding ${additions.map(label).join(', ')} to ${zone}`);
  // A retried change answered 409 went through the first time if every addition is there now.
  const isOurs = async () => {
    const verdicts = await judgeAll(ctx, zone);
    const ours = verdicts.filter((each) => additions.some((added) => same(added, each.want)));
    return ours.length === additions.length && ours.every((each) => each.kind === 'present');
  };
  // Else someone added them since the step looked: they are not psc-bridge's to delete.
  const disown = () =>
    ctx.checkpoint({
      outputs: {
        ...outputs,
        added: outputs.added.filter((each) => !additions.some((added) => same(added, each))),
      },
    });
  await change(ctx, zone, { additions }, { isOurs, disown });
}

/**
 * One atomic change; waits until Cloud DNS reports it done. With `inPlace`, a retry that
 * meets 409 asks it whether the first try already made the change.
 */
async function change(
  ctx: GcpContext,
  zone: string,
  body: { additions?: Rrset[]; deletions?: Rrset[] },
  inPlace?: { isOurs: () => Promise<boolean>; disown: () => Promise<void> },
): Promise<void> {
  const dns = await dnsOf(ctx);
  const api = 'dns.changes.create';
  const send = () =>
    dns.changes.create({ project: project(ctx), managedZone: zone, requestBody: body });
  const answer = inPlace
    ? await createOnce(ctx, api, zone, send, inPlace.isOurs, inPlace.disown)
    : await call(ctx, api, zone, send);
  if (!answer) return;
  const { data } = answer;
  const changeId = data.id ?? '';
  if (data.status === 'done') return;
  await pollUntil(
    async () => {
      const { data: now } = await call(ctx, 'dns.changes.get', `${zone} ${changeId}`, () =>
        dns.changes.get({ project: project(ctx), managedZone: zone, changeId }),
      );
      return now.status === 'done' ? now : undefined;
    },
    pollOptions(ctx, `the record change in ${zone}`, CHANGE_TIMEOUT_MS),
  );
}

/**
 * A deletion must match the live record exactly, so each record psc-bridge added is read
 * first: gone is fine, changed since is refused with both versions shown.
 */
function matchForDeletion(zone: string, added: Rrset[], live: Map<string, RecordSet[]>): Rrset[] {
  const deletions: Rrset[] = [];
  const changed: string[] = [];
  for (const record of added) {
    const found = (live.get(record.name) ?? []).find((each) => each.type === record.type);
    if (!found) continue;
    if (dataOf(found) === dataOf(record) && found.ttl === record.ttl) deletions.push(record);
    else changed.push(`  ${label(record)}: added ${recordText(record)}, now ${recordText(found)}`);
  }
  if (changed.length === 0) return deletions;
  throw new UserError(
    'RECORD_CHANGED',
    `Records psc-bridge added to the zone ${zone} have changed since:\n${changed.join('\n')}`,
    'psc-bridge deletes only what it added. Delete them yourself if they are no longer ' +
      'needed, then run the teardown again.',
  );
}
