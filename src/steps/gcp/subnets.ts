import { NO_AUTO_PAGINATE } from '../../cloud/gcp.js';
import { call, type GcpContext, lastSegment, linksTo, networkPath, setting } from './common.js';

export interface Subnet {
  name: string;
  region: string;
  /** `regions/r/subnetworks/s`, the tail of its links. */
  path: string;
  /** Primary range first, then the secondary ranges. */
  ranges: string[];
}

/** Every subnet of the configured network, in every region (one aggregated list). */
export async function networkSubnets(ctx: GcpContext): Promise<Subnet[]> {
  const { compute } = await ctx.services.gcp();
  const network = setting(ctx.config, 'gcpNetwork');
  const path = networkPath(ctx.config);
  return call(ctx, 'compute.subnetworks.aggregatedList', network, async () => {
    const subnets: Subnet[] = [];
    const pages = compute.subnetworks.aggregatedListAsync(
      {
        project: setting(ctx.config, 'gcpProject'),
        filter: `network eq ".*/global/networks/${network}"`,
      },
      NO_AUTO_PAGINATE,
    );
    for await (const [, scoped] of pages) {
      for (const subnet of scoped.subnetworks ?? []) {
        if (!linksTo(subnet.network, path)) continue;
        const region = lastSegment(subnet.region);
        const name = subnet.name ?? '';
        subnets.push({
          name,
          region,
          path: `regions/${region}/subnetworks/${name}`,
          ranges: [
            subnet.ipCidrRange ?? '',
            ...(subnet.secondaryIpRanges ?? []).map((each) => each.ipCidrRange ?? ''),
          ].filter((range) => range !== ''),
        });
      }
    }
    return subnets;
  });
}
