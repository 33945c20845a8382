import type {
  AdvertisedRange,
  BgpPeer,
  GcpProject,
  GcpWorld,
  RouterBgp,
  RouterRecord,
} from './world.js';

/**
 * The IPv4 ranges the seeded Cloud Router currently advertises to its BGP peers over the VPN
 * (router mode and groups taken into account). The AWS side of the emulator turns these into
 * propagated routes in the VPC's route tables.
 *
 * Every Cloud Router of every project is considered; each enabled BGP peer advertises the
 * router's selection unless the peer has its own CUSTOM advertisement. DEFAULT mode (and the
 * ALL_SUBNETS group) means the subnets the router can see: those of its region when the
 * network's dynamic routing mode is REGIONAL, all of them when it is GLOBAL.
 */
export function advertisedRanges(gcp: GcpWorld): string[] {
  const ranges = new Set<string>();
  for (const project of Object.values(gcp.projects)) {
    for (const router of Object.values(project.routers)) {
      for (const range of routerRanges(project, router)) ranges.add(range);
    }
  }
  return [...ranges].sort();
}

function routerRanges(project: GcpProject, router: RouterRecord): string[] {
  const ranges: string[] = [];
  for (const peer of router.bgpPeers) {
    if (peer.enable === 'FALSE') continue;
    ranges.push(...selectionRanges(project, router, selectionOf(router.bgp, peer)));
  }
  return ranges;
}

interface Selection {
  mode: 'DEFAULT' | 'CUSTOM';
  groups: string[];
  ranges: AdvertisedRange[];
}

function selectionOf(bgp: RouterBgp, peer: BgpPeer): Selection {
  if (peer.advertiseMode === 'CUSTOM') {
    return { mode: 'CUSTOM', groups: peer.advertisedGroups, ranges: peer.advertisedIpRanges };
  }
  return { mode: bgp.advertiseMode, groups: bgp.advertisedGroups, ranges: bgp.advertisedIpRanges };
}

function selectionRanges(project: GcpProject, router: RouterRecord, selection: Selection) {
  if (selection.mode === 'DEFAULT') return visibleSubnetRanges(project, router);
  const ranges = selection.ranges.map((each) => each.range);
  if (selection.groups.includes('ALL_SUBNETS')) {
    ranges.push(...visibleSubnetRanges(project, router));
  }
  return ranges;
}

function visibleSubnetRanges(project: GcpProject, router: RouterRecord): string[] {
  const network = project.networks[router.network];
  const global = network?.routingMode === 'GLOBAL';
  return Object.values(project.subnetworks)
    .filter((subnet) => subnet.network === router.network)
    .filter((subnet) => global || subnet.region === router.region)
    .flatMap((subnet) => [
      subnet.ipCidrRange,
      ...subnet.secondaryIpRanges.map((each) => each.ipCidrRange),
    ]);
}
