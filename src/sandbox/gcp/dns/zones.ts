import type { SandboxResult } from '../../types.js';
import {
  alreadyExists,
  bodyOf,
  GoogleApiError,
  invalid,
  json,
  noContent,
  notFound,
  numericId,
  objectList,
  stringField,
  stringMap,
  timestamp,
} from '../http.js';
import type { GcpProject, ManagedZoneRecord, RecordSet } from '../world.js';
import { type DnsContext, listOf, networkUrl, parseNetworkUrl } from './common.js';

const ZONE_NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?:(?:[a-z0-9_](?:[-a-z0-9_]{0,61}[a-z0-9_])?)\.)+$/;
const PRIVATE_NS = 'ns-gcp-private.googledomains.com.';
const SOA_TTL = 21600;

export function zoneView(project: GcpProject, zone: ManagedZoneRecord) {
  const view: Record<string, unknown> = {
    kind: 'dns#managedZone',
    name: zone.name,
    dnsName: zone.dnsName,
    description: zone.description,
    id: zone.id,
    nameServers: nameServers(zone),
    creationTime: timestamp(zone.createdAt),
    visibility: zone.visibility,
    cloudLoggingConfig: { kind: 'dns#managedZoneCloudLoggingConfig' },
  };
  if (Object.keys(zone.labels).length > 0) view.labels = zone.labels;
  if (zone.visibility === 'private') {
    view.privateVisibilityConfig = {
      kind: 'dns#managedZonePrivateVisibilityConfig',
      networks: zone.networks.map((network) => ({
        kind: 'dns#managedZonePrivateVisibilityConfigNetwork',
        networkUrl: networkUrl(project, network),
      })),
    };
  }
  return view;
}

function nameServers(zone: ManagedZoneRecord): string[] {
  if (zone.visibility === 'private') return [PRIVATE_NS];
  const shard = (Number(zone.id.slice(-2)) % 4) + 1;
  return [1, 2, 3, 4].map((n) => `ns-cloud-${'abcd'[n - 1]}${shard}.googledomains.com.`);
}

export function findZone(ctx: DnsContext): ManagedZoneRecord {
  const name = ctx.params.zone ?? '';
  const zone =
    ctx.project.managedZones[name] ??
    Object.values(ctx.project.managedZones).find((each) => each.id === name);
  if (zone) return zone;
  throw notFound(`The 'parameters.managedZone' resource named '${name}' does not exist.`);
}

export function getZone(ctx: DnsContext): SandboxResult {
  return json(200, zoneView(ctx.project, findZone(ctx)));
}

export function listZones(ctx: DnsContext): SandboxResult {
  const dnsName = ctx.req.query.get('dnsName');
  const zones = Object.values(ctx.project.managedZones)
    .filter((zone) => !dnsName || zone.dnsName === normaliseName(dnsName))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((zone) => zoneView(ctx.project, zone));
  return listOf(ctx, 'dns#managedZonesListResponse', 'managedZones', zones);
}

export function normaliseName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

export function createZone(ctx: DnsContext): SandboxResult {
  const body = bodyOf(ctx.req);
  const name = stringField(body, 'name') ?? '';
  if (!ZONE_NAME.test(name)) {
    throw invalid(`Invalid value for 'entity.managedZone.name': '${name}'`);
  }
  const dnsName = (stringField(body, 'dnsName') ?? '').toLowerCase();
  if (!DNS_NAME.test(dnsName)) {
    throw invalid(`Invalid value for 'entity.managedZone.dnsName': '${dnsName}'`);
  }
  const visibility = stringField(body, 'visibility') ?? 'public';
  if (visibility !== 'public' && visibility !== 'private') {
    throw invalid(`Invalid value for 'entity.managedZone.visibility': '${visibility}'`);
  }
  if (ctx.project.managedZones[name]) {
    throw alreadyExists(`The resource 'entity.managedZone' named '${name}' already exists`);
  }
  const networks = zoneNetworks(ctx, body, visibility);
  const now = ctx.env.now();
  const zone: ManagedZoneRecord = {
    id: numericId(ctx.env),
    name,
    dnsName,
    description: stringField(body, 'description') ?? '',
    visibility,
    networks,
    labels: stringMap(body.labels),
    createdAt: now,
    records: [],
    changes: [],
  };
  zone.records = apexRecords(zone);
  zone.changes.push({
    id: '0',
    startAt: now,
    doneAt: now,
    status: 'done',
    additions: zone.records.map((record) => ({ ...record })),
    deletions: [],
  });
  ctx.project.managedZones[name] = zone;
  return json(200, zoneView(ctx.project, zone));
}

function zoneNetworks(
  ctx: DnsContext,
  body: Record<string, unknown>,
  visibility: string,
): string[] {
  const config = body.privateVisibilityConfig;
  const entries =
    typeof config === 'object' && config !== null
      ? objectList((config as Record<string, unknown>).networks)
      : [];
  if (visibility === 'public' && entries.length > 0) {
    throw invalid(
      "Invalid value for 'entity.managedZone.privateVisibilityConfig': " +
        'only private zones can be bound to networks.',
    );
  }
  const names = entries.map((entry, index) =>
    parseNetworkUrl(
      ctx.project,
      stringField(entry, 'networkUrl') ?? '',
      `entity.managedZone.privateVisibilityConfig.networks[${index}].networkUrl`,
    ),
  );
  return [...new Set(names)];
}

function apexRecords(zone: ManagedZoneRecord): RecordSet[] {
  const servers = nameServers(zone);
  const soa = `${servers[0]} cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300`;
  return [
    { name: zone.dnsName, type: 'NS', ttl: SOA_TTL, rrdatas: servers },
    { name: zone.dnsName, type: 'SOA', ttl: SOA_TTL, rrdatas: [soa] },
  ];
}

/** A zone holding records other than its apex SOA and NS cannot be deleted. */
export function deleteZone(ctx: DnsContext): SandboxResult {
  const zone = findZone(ctx);
  const extra = zone.records.some(
    (record) => !(record.name === zone.dnsName && ['SOA', 'NS'].includes(record.type)),
  );
  if (extra) {
    throw new GoogleApiError(
      400,
      'containerNotEmpty',
      `The resource named '${zone.name}' cannot be deleted because it is not empty`,
    );
  }
  delete ctx.project.managedZones[zone.name];
  return noContent();
}

function recordView(record: RecordSet) {
  return {
    kind: 'dns#resourceRecordSet',
    name: record.name,
    type: record.type,
    ttl: record.ttl,
    rrdatas: record.rrdatas,
  };
}

export function listRecordSets(ctx: DnsContext): SandboxResult {
  const zone = findZone(ctx);
  const name = ctx.req.query.get('name');
  const type = ctx.req.query.get('type');
  if (type && !name) {
    throw invalid("Invalid value for 'parameters.type': a type can only be given with a name");
  }
  const records = zone.records
    .filter((record) => !name || record.name === normaliseName(name))
    .filter((record) => !type || record.type === type)
    .sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type))
    .map(recordView);
  return listOf(ctx, 'dns#resourceRecordSetsListResponse', 'rrsets', records);
}
