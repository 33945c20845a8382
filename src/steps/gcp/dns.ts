import type { dns_v1 } from 'googleapis/build/src/apis/dns/v1.js';
import { call, type GcpContext, linksTo, networkPath, setting } from './common.js';

/** Cloud DNS helpers shared by create-zone, add-records and create-policy. */

export type Dns = dns_v1.Dns;
export type Zone = dns_v1.Schema$ManagedZone;
export type RecordSet = dns_v1.Schema$ResourceRecordSet;
export type Policy = dns_v1.Schema$Policy;

export const APEX = 'googleapis.com.';

export async function dnsOf(ctx: GcpContext): Promise<Dns> {
  return (await ctx.services.gcp()).dns();
}

export function project(ctx: GcpContext): string {
  return setting(ctx.config, 'gcpProject');
}

/** True when a list of `{ networkUrl }` binds the configured network. */
export function bindsNetwork(
  ctx: GcpContext,
  networks: { networkUrl?: string | null }[] | null | undefined,
): boolean {
  const path = networkPath(ctx.config);
  return (networks ?? []).some((each) => linksTo(each.networkUrl, path));
}

/** Every managed zone of the project (paged). */
export async function listZones(ctx: GcpContext): Promise<Zone[]> {
  const dns = await dnsOf(ctx);
  const zones: Zone[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await call(ctx, 'dns.managedZones.list', project(ctx), () =>
      dns.managedZones.list({ project: project(ctx), pageToken }),
    );
    zones.push(...(data.managedZones ?? []));
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return zones;
}

/** Every DNS server policy of the project (paged). */
export async function listPolicies(ctx: GcpContext): Promise<Policy[]> {
  const dns = await dnsOf(ctx);
  const policies: Policy[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await call(ctx, 'dns.policies.list', project(ctx), () =>
      dns.policies.list({ project: project(ctx), pageToken }),
    );
    policies.push(...(data.policies ?? []));
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return policies;
}

/** The record sets of a zone at one name (all types), paged. */
export async function recordsAt(ctx: GcpContext, zone: string, name: string): Promise<RecordSet[]> {
  const dns = await dnsOf(ctx);
  const found: RecordSet[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await call(ctx, 'dns.resourceRecordSets.list', `${zone} ${name}`, () =>
      dns.resourceRecordSets.list({ project: project(ctx), managedZone: zone, name, pageToken }),
    );
    found.push(...(data.rrsets ?? []));
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return found.filter((each) => each.name === name);
}

/** Every record set of a zone, paged. */
export async function allRecords(ctx: GcpContext, zone: string): Promise<RecordSet[]> {
  const dns = await dnsOf(ctx);
  const found: RecordSet[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await call(ctx, 'dns.resourceRecordSets.list', zone, () =>
      dns.resourceRecordSets.list({ project: project(ctx), managedZone: zone, pageToken }),
    );
    found.push(...(data.rrsets ?? []));
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return found;
}

/** `A 300 10.164.128.1`-style text for messages. */
export function recordText(record: RecordSet): string {
  return `${record.type ?? '?'} ${record.ttl ?? '?'} ${(record.rrdatas ?? []).join(',')}`;
}
