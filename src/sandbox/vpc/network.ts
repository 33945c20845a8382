import { cidrContains, parseCidr } from '../aws/ip.js';
import type { AwsRegion, RouteTable, SecurityGroup } from '../aws/world.js';
import { advertisedRanges } from '../gcp/advertised.js';
import type { World } from '../types.js';

/**
 * Packet-level facts about the AWS VPC, read from the sandbox world: which route a subnet
 * uses toward an address, and what a security group lets out. Addresses here are data; no
 * function in this folder ever sends anything to them.
 */

/** Where a client sits: a VPC of a region, optionally one of its subnets. */
export interface Vantage {
  vpcId: string;
  region: string;
  /** The client's subnet; when omitted, checks that depend on it use every VPC subnet. */
  subnetId?: string;
}

/** The outcome of one hop of a path: passed or not, with the words for the path either way. */
export interface Hop {
  ok: boolean;
  detail: string;
}

interface EffectiveRoute {
  destination: string;
  gatewayId: string;
  propagated: boolean;
}

/** The table a subnet uses: its explicit association, else the VPC's main table. */
export function tableForSubnet(
  region: AwsRegion,
  vpcId: string,
  subnetId: string,
): RouteTable | undefined {
  const explicit = region.routeTables.find((table) =>
    table.subnetAssociations.some((association) => association.subnetId === subnetId),
  );
  return explicit ?? region.routeTables.find((table) => table.vpcId === vpcId && table.main);
}

function attachedVgws(region: AwsRegion, vpcId: string): string[] {
  return region.vpnGateways.filter((vgw) => vgw.vpcId === vpcId).map((vgw) => vgw.id);
}

/**
 * A table's routes as the VPC router sees them: its own, plus the Cloud Router's advertised
 * ranges for each attached VGW it propagates (a static route to the same range wins).
 */
function effectiveRoutes(world: World, region: AwsRegion, table: RouteTable): EffectiveRoute[] {
  const own = table.routes.map((route) => ({ ...route, propagated: false }));
  const vgws = table.propagatingVgws.filter((id) => attachedVgws(region, table.vpcId).includes(id));
  const ranges = advertisedRanges(world.gcp).filter(
    (range) => !own.some((route) => route.destination === range),
  );
  const propagated = vgws.flatMap((gatewayId) =>
    ranges.map((destination) => ({ destination, gatewayId, propagated: true })),
  );
  return [...own, ...propagated];
}

function prefixOf(cidr: string): number {
  const range = parseCidr(cidr);
  return range ? 32 - Math.log2(range.size) : -1;
}

/** Longest-prefix match; on a tie the static route wins, as in a VPC route table. */
function routeFor(routes: EffectiveRoute[], ip: string): EffectiveRoute | undefined {
  let best: EffectiveRoute | undefined;
  for (const route of routes) {
    if (!cidrContains(route.destination, ip)) continue;
    const better =
      !best ||
      prefixOf(route.destination) > prefixOf(best.destination) ||
      (prefixOf(route.destination) === prefixOf(best.destination) && !route.propagated);
    if (better) best = route;
  }
  return best;
}

/**
 * Whether a packet from `subnetId` to `ip` leaves over the VPN: the subnet's route table must
 * pick a route to a VGW attached to the VPC, and the Cloud Router must advertise a range
 * holding `ip` (without that the VGW has nowhere to send it).
 */
export function vpnHop(
  world: World,
  region: AwsRegion,
  vpcId: string,
  subnetId: string,
  ip: string,
): Hop {
  const table = tableForSubnet(region, vpcId, subnetId);
  if (!table) return fail(`subnet ${subnetId} has no route table`);
  const where = `route table ${table.id} (subnet ${subnetId})`;
  const route = routeFor(effectiveRoutes(world, region, table), ip);
  if (!route) {
    return fail(
      `${where} has no route to ${ip}: the Cloud Router advertises no range holding it ` +
        'over the VPN (or the table does not propagate the VGW)',
    );
  }
  if (!attachedVgws(region, vpcId).includes(route.gatewayId)) {
    return fail(
      `${where} sends ${ip} to ${route.gatewayId} (${route.destination}), not over the VPN`,
    );
  }
  if (!advertisedRanges(world.gcp).some((range) => cidrContains(range, ip))) {
    return fail(
      `${where} routes ${ip} to ${route.gatewayId}, but no range holding it is advertised`,
    );
  }
  const how = route.propagated ? 'propagated' : 'static';
  return pass(`${where}: ${route.destination} via ${route.gatewayId} (${how})`);
}

/** True when one of the groups lets `protocol` traffic to `ip:port` out. */
export function egressAllows(
  groups: SecurityGroup[],
  protocol: 'udp' | 'tcp',
  port: number,
  ip: string,
): boolean {
  return groups.some((group) =>
    group.rules.some((rule) => {
      if (!rule.egress || !rule.cidrIpv4 || !cidrContains(rule.cidrIpv4, ip)) return false;
      if (rule.protocol === '-1') return true;
      if (rule.protocol !== protocol) return false;
      return (rule.fromPort ?? -1) <= port && port <= (rule.toPort ?? -1);
    }),
  );
}

export function pass(detail: string): Hop {
  return { ok: true, detail };
}

export function fail(detail: string): Hop {
  return { ok: false, detail };
}
