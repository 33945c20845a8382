import { NO_AUTO_PAGINATE } from '../../cloud/gcp.js';
import { pollUntil } from '../shared.js';
import { call, type GcpContext, lastSegment, pollOptions, setting } from './common.js';
import { networkSubnets } from './subnets.js';

/** Real time allowed for Cloud DNS to allocate the inbound forwarder addresses. */
const FORWARDERS_TIMEOUT_MS = 5 * 60_000;

export type Forwarders = Record<string, string[]>;

/**
 * Waits until every subnet of the network holds an inbound forwarder address (a regional
 * address with purpose DNS_RESOLVER; names are not a contract) and returns their IPs by
 * region.
 */
export async function waitForForwarders(ctx: GcpContext): Promise<Forwarders> {
  const subnets = await networkSubnets(ctx);
  return pollUntil(
    async () => {
      const found = await forwarderAddresses(ctx);
      const covered = subnets.every((subnet) => found.some((each) => each.subnet === subnet.path));
      if (!covered || found.length === 0) return undefined;
      const byRegion: Forwarders = {};
      for (const each of found) {
        if (!subnets.some((subnet) => subnet.path === each.subnet)) continue;
        byRegion[each.region] = [...(byRegion[each.region] ?? []), each.ip];
      }
      for (const ips of Object.values(byRegion)) ips.sort();
      return byRegion;
    },
    pollOptions(ctx, 'the inbound DNS forwarder addresses', FORWARDERS_TIMEOUT_MS),
  );
}

interface ForwarderAddress {
  region: string;
  /** `regions/r/subnetworks/s`. */
  subnet: string;
  ip: string;
}

async function forwarderAddresses(ctx: GcpContext): Promise<ForwarderAddress[]> {
  const { compute } = await ctx.services.gcp();
  const project = setting(ctx.config, 'gcpProject');
  return call(ctx, 'compute.addresses.aggregatedList', project, async () => {
    const found: ForwarderAddress[] = [];
    const pages = compute.addresses.aggregatedListAsync(
      { project, filter: 'purpose = DNS_RESOLVER' },
      NO_AUTO_PAGINATE,
    );
    for await (const [, scoped] of pages) {
      for (const address of scoped.addresses ?? []) {
        if (String(address.purpose) !== 'DNS_RESOLVER' || !address.address) continue;
        const subnet = subnetPath(address.subnetwork);
        if (!subnet) continue;
        found.push({ region: lastSegment(address.region), subnet, ip: address.address });
      }
    }
    return found;
  });
}

function subnetPath(link: string | null | undefined): string | undefined {
  const match = /regions\/[^/]+\/subnetworks\/[^/]+$/.exec(link ?? '');
  return match?.[0];
}
