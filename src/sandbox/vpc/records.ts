import { createHash } from 'node:crypto';
import { formatIpv4, parseIpv4 } from '../aws/ip.js';
import type { GcpProject, ManagedZoneRecord, RecordSet } from '../gcp/world.js';

/**
 * Name lookup inside the modelled DNS: the private zones a GCP network sees (as Cloud DNS
 * answers them, wildcards included) and a stand-in for the public DNS.
 */

export interface DnsRecord {
  /** Owner name, lower case, with the trailing dot. */
  name: string;
  type: 'A' | 'CNAME';
  ttl: number;
  data: string;
}

/** What a zone holds at a name: its record sets (possibly none), or nothing at all. */
export type ZoneNode =
  | { exists: true; owner: string; sets: RecordSet[]; wildcard?: string }
  | { exists: false };

export function fqdn(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

export function inDomain(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

/** The private zone bound to `network` whose name is the longest suffix of `name`. */
export function zoneFor(
  project: GcpProject,
  network: string,
  name: string,
): ManagedZoneRecord | undefined {
  return Object.values(project.managedZones)
    .filter((zone) => zone.visibility === 'private' && zone.networks.includes(network))
    .filter((zone) => inDomain(name, fqdn(zone.dnsName)))
    .sort((a, b) => b.dnsName.length - a.dnsName.length)[0];
}

/**
 * The node `name` maps to in `zone` (RFC 4592, as Cloud DNS applies it): the name itself when
 * it owns records or has names below it (an empty non-terminal), else the wildcard child of
 * its closest existing ancestor, else nothing (NXDOMAIN). An explicit name always wins over a
 * wildcard, even when it owns no record of the type asked for.
 */
export function lookupNode(zone: ManagedZoneRecord, name: string): ZoneNode {
  const owners = zone.records.map((record) => fqdn(record.name));
  const exists = (node: string) => owners.some((owner) => inDomain(owner, node));
  const setsAt = (node: string) => zone.records.filter((record) => fqdn(record.name) === node);

  if (exists(name)) return { exists: true, owner: name, sets: setsAt(name) };
  const apex = fqdn(zone.dnsName);
  for (let node = parentOf(name); node && inDomain(node, apex); node = parentOf(node)) {
    if (!exists(node)) continue;
    const wildcard = `*.${node}`;
    const sets = setsAt(wildcard);
    if (sets.length === 0) return { exists: false };
    return { exists: true, owner: name, sets, wildcard };
  }
  return { exists: false };
}

function parentOf(name: string): string | undefined {
  const dot = name.indexOf('.');
  const rest = name.slice(dot + 1);
  return dot < 0 || rest === '' ? undefined : rest;
}

/** The records of one type a node holds, owned by the name asked for. */
export function recordsOf(node: ZoneNode, type: 'A' | 'CNAME'): DnsRecord[] {
  if (!node.exists) return [];
  return node.sets
    .filter((set) => set.type === type)
    .flatMap((set) =>
      set.rrdatas.map((data) => ({
        name: node.owner,
        type,
        ttl: set.ttl,
        data: type === 'CNAME' ? fqdn(data) : data,
      })),
    );
}

/** The domain the public stand-in knows; every other name is NXDOMAIN there. */
export const PUBLIC_DOMAIN = 'googleapis.com.';

const PUBLIC_BASE = parseIpv4('142.250.0.0') ?? 0;
const PUBLIC_SIZE = 2 ** 17;

/**
 * What the internet's DNS would answer, modelled only for Google APIs: one A record in
 * 142.250.0.0/15 chosen from the name (stable across runs), no CNAME. The address is data,
 * never dialled.
 */
export function publicRecords(name: string, type: 'A' | 'CNAME'): DnsRecord[] | undefined {
  if (!inDomain(name, PUBLIC_DOMAIN)) return undefined;
  if (type === 'CNAME') return [];
  const digest = createHash('sha256').update(name).digest();
  const offset = digest.readUInt32BE(0) % PUBLIC_SIZE;
  return [{ name, type: 'A', ttl: 300, data: formatIpv4(PUBLIC_BASE + offset) }];
}
