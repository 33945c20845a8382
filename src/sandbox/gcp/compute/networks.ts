import type { SandboxResult } from '../../types.js';
import { json, notFound, timestamp } from '../http.js';
import { gatewayOf } from '../ipv4.js';
import type { NetworkRecord, SubnetworkRecord } from '../world.js';
import {
  aggregatedAnswer,
  type ComputeContext,
  compact,
  link,
  listAnswer,
  REGIONS,
  regionScopes,
  requireRegion,
  resourcePath,
} from './common.js';

function networkView(ctx: ComputeContext, network: NetworkRecord) {
  const { env, project } = ctx;
  const subnets = Object.values(project.subnetworks)
    .filter((subnet) => subnet.network === network.name)
    .map((subnet) => link(env, project, `regions/${subnet.region}/subnetworks/${subnet.name}`));
  return compact({
    kind: 'compute#network',
    id: network.id,
    creationTimestamp: timestamp(network.createdAt),
    name: network.name,
    description: network.description || undefined,
    selfLink: link(env, project, `global/networks/${network.name}`),
    selfLinkWithId: link(env, project, `global/networks/${network.id}`),
    autoCreateSubnetworks: false,
    subnetworks: subnets,
    routingConfig: { routingMode: network.routingMode },
    mtu: network.mtu,
    networkFirewallPolicyEnforcementOrder: 'AFTER_CLASSIC_FIREWALL',
  });
}

export function subnetworkView(ctx: ComputeContext, subnet: SubnetworkRecord) {
  const { env, project } = ctx;
  return compact({
    kind: 'compute#subnetwork',
    id: subnet.id,
    creationTimestamp: timestamp(subnet.createdAt),
    name: subnet.name,
    network: link(env, project, `global/networks/${subnet.network}`),
    ipCidrRange: subnet.ipCidrRange,
    gatewayAddress: gatewayOf(subnet.ipCidrRange),
    region: link(env, project, `regions/${subnet.region}`),
    selfLink: link(env, project, `regions/${subnet.region}/subnetworks/${subnet.name}`),
    privateIpGoogleAccess: subnet.privateIpGoogleAccess,
    secondaryIpRanges: subnet.secondaryIpRanges,
    fingerprint: Buffer.from(subnet.id).toString('base64').slice(0, 12),
    stackType: 'IPV4_ONLY',
    purpose: 'PRIVATE',
  });
}

export function getNetwork(ctx: ComputeContext): SandboxResult {
  const name = ctx.params.network ?? '';
  const network = ctx.project.networks[name];
  if (!network) {
    throw notFound(
      `The resource '${resourcePath(ctx.project, `global/networks/${name}`)}' was not found`,
    );
  }
  return json(200, networkView(ctx, network));
}

export function listNetworks(ctx: ComputeContext): SandboxResult {
  const views = Object.values(ctx.project.networks).map((each) => networkView(ctx, each));
  return listAnswer(ctx, 'compute#networkList', 'global/networks', views);
}

export function listSubnetworks(ctx: ComputeContext): SandboxResult {
  const region = ctx.params.region ?? '';
  requireRegion(region);
  const views = Object.values(ctx.project.subnetworks)
    .filter((subnet) => subnet.region === region)
    .map((subnet) => subnetworkView(ctx, subnet));
  return listAnswer(ctx, 'compute#subnetworkList', `regions/${region}/subnetworks`, views);
}

export function getSubnetwork(ctx: ComputeContext): SandboxResult {
  const region = ctx.params.region ?? '';
  const name = ctx.params.subnetwork ?? '';
  const subnet = ctx.project.subnetworks[`${region}/${name}`];
  if (!subnet) {
    const relative = `regions/${region}/subnetworks/${name}`;
    throw notFound(`The resource '${resourcePath(ctx.project, relative)}' was not found`);
  }
  return json(200, subnetworkView(ctx, subnet));
}

export function aggregatedSubnetworks(ctx: ComputeContext): SandboxResult {
  const subnets = Object.values(ctx.project.subnetworks);
  const scopes = regionScopes(subnets, (subnet) => subnetworkView(ctx, subnet));
  return aggregatedAnswer(ctx, 'compute#subnetworkAggregatedList', 'subnetworks', scopes);
}

function regionView(ctx: ComputeContext, region: string) {
  const { env, project } = ctx;
  return {
    kind: 'compute#region',
    id: String(1000 + REGIONS.indexOf(region)),
    name: region,
    description: region,
    status: 'UP',
    zones: ['a', 'b', 'c'].map((zone) => link(env, project, `zones/${region}-${zone}`)),
    selfLink: link(env, project, `regions/${region}`),
  };
}

export function getRegion(ctx: ComputeContext): SandboxResult {
  const region = ctx.params.region ?? '';
  requireRegion(region);
  return json(200, regionView(ctx, region));
}

export function listRegions(ctx: ComputeContext): SandboxResult {
  const views = REGIONS.map((region) => regionView(ctx, region));
  return listAnswer(ctx, 'compute#regionList', 'regions', views);
}

export function listZones(ctx: ComputeContext): SandboxResult {
  const { env, project } = ctx;
  const views = REGIONS.flatMap((region, index) =>
    ['a', 'b', 'c'].map((zone, offset) => ({
      kind: 'compute#zone',
      id: String(2000 + index * 10 + offset),
      name: `${region}-${zone}`,
      description: `${region}-${zone}`,
      status: 'UP',
      region: link(env, project, `regions/${region}`),
      selfLink: link(env, project, `zones/${region}-${zone}`),
    })),
  );
  return listAnswer(ctx, 'compute#zoneList', 'zones', views);
}
