import type { ForwardingRuleRecord, GcpProject } from '../gcp/world.js';
import type { World } from '../types.js';
import { type Vantage, vpnHop } from './network.js';

export interface PscReach {
  /** True when an HTTP request from the VPC to the address gets to a live PSC endpoint. */
  reached: boolean;
  /** Each step taken, in order, in words fit for an error message. */
  path: string[];
  /** Why it does not get there; absent when it does. */
  reason?: string;
}

const GOOGLE_APIS_TARGETS = ['all-apis', 'vpc-sc'];

/**
 * Whether a request from the VPC (its `subnetId`, or every subnet of it) to `ip` reaches a
 * PSC endpoint for Google APIs: each subnet's route table must send `ip` over the VPN (the
 * Cloud Router advertising the /32 or a range holding it, propagated by the VGW), and a
 * global forwarding rule with target all-apis or vpc-sc must hold the address, in a network
 * the VPN lands in (one with a Cloud Router). Reads the world, never changes it.
 */
export function reachPscFromVpc(world: World, vantage: Vantage, ip: string): PscReach {
  const path = [`HTTP from ${vantage.vpcId} to ${ip}`];
  const failed = (reason: string): PscReach => {
    path.push(reason);
    return { reached: false, path, reason };
  };

  const region = world.aws.regions[vantage.region];
  if (!region?.vpcs.some((vpc) => vpc.id === vantage.vpcId)) {
    return failed(`VPC ${vantage.vpcId} does not exist in ${vantage.region}`);
  }
  const subnets = vantage.subnetId
    ? [vantage.subnetId]
    : region.subnets.filter((subnet) => subnet.vpcId === vantage.vpcId).map((s) => s.id);
  if (subnets.length === 0) return failed(`VPC ${vantage.vpcId} has no subnet to send from`);
  for (const subnet of subnets) {
    const hop = vpnHop(world, region, vantage.vpcId, subnet, ip);
    if (!hop.ok) return failed(`the connection times out: ${hop.detail}`);
    path.push(hop.detail);
  }

  const found = pscEndpointAt(world, ip);
  if (!found) {
    const rule = `no global forwarding rule with target ${GOOGLE_APIS_TARGETS.join(' or ')}`;
    return failed(`the connection times out: nothing answers at ${ip} (${rule} holds it)`);
  }
  const { project, rule } = found;
  const landed = Object.values(project.routers).some((router) => router.network === rule.network);
  if (!landed) {
    return failed(
      `the connection times out: PSC endpoint ${rule.name} is in network ${rule.network}, ` +
        'which has no Cloud Router for the VPN to land in',
    );
  }
  path.push(`PSC endpoint ${rule.name} (target ${rule.target}) in network ${rule.network}`);
  return { reached: true, path };
}

function pscEndpointAt(
  world: World,
  ip: string,
): { project: GcpProject; rule: ForwardingRuleRecord } | undefined {
  for (const project of Object.values(world.gcp.projects)) {
    const rule = Object.values(project.forwardingRules).find(
      (each) => each.ipAddress === ip && GOOGLE_APIS_TARGETS.includes(each.target),
    );
    if (rule) return { project, rule };
  }
  return undefined;
}
