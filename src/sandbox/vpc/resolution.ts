import { type ForwardingRule, forwardingRulesForVpc } from '../aws/queries.js';
import type { AwsRegion, TargetAddress } from '../aws/world.js';
import type { AddressRecord, GcpProject, PolicyRecord } from '../gcp/world.js';
import type { World } from '../types.js';
import { egressAllows, fail, type Hop, pass, type Vantage, vpnHop } from './network.js';
import {
  type DnsRecord,
  fqdn,
  inDomain,
  lookupNode,
  publicRecords,
  recordsOf,
  zoneFor,
} from './records.js';

export type DnsRcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL';

/** Who answered: the public DNS, a GCP private zone, or nobody (the query failed). */
export type AnswerSource = 'public' | 'private-zone' | 'none';

export interface VpcResolution {
  /** The name asked, lower case with the trailing dot. */
  name: string;
  type: 'A' | 'CNAME';
  rcode: DnsRcode;
  source: AnswerSource;
  /** The CNAME chain followed, then the records of the type asked, as a resolver returns. */
  answers: DnsRecord[];
  /** Each step taken, in order, in words fit for an error message. */
  path: string[];
  /** Why there is no answer (NXDOMAIN, NODATA or SERVFAIL); absent when there is one. */
  reason?: string;
}

/** An inbound DNS forwarder of a GCP network, found by its address. */
interface Forwarder {
  project: GcpProject;
  network: string;
  address: AddressRecord;
  policy: PolicyRecord;
}

/** Where Cloud DNS resolves from: one network of one project. */
interface NetworkView {
  project: GcpProject;
  network: string;
}

/** Longest CNAME chain followed before giving up, as resolvers bound theirs. */
const MAX_CHAIN = 8;

/**
 * What a client in the AWS VPC gets from the VPC resolver (AmazonProvidedDNS) for `name`:
 * the most specific FORWARD rule in effect for the VPC sends the query through its outbound
 * endpoint to the first target that can be reached (security group egress on UDP 53, a route
 * over the VPN from every endpoint subnet, a live inbound forwarder listening on 53); Cloud
 * DNS then answers from the private zones bound to the forwarder's network, following
 * CNAMEs. Without a matching rule the public DNS answers. Reads the world, never changes it.
 */
export function resolveFromVpc(
  world: World,
  vantage: Vantage,
  name: string,
  type: 'A' | 'CNAME',
): VpcResolution {
  const asked = fqdn(name);
  const path = [`${asked} ${type} asked of AmazonProvidedDNS in ${vantage.vpcId}`];
  const result = (rcode: DnsRcode, source: AnswerSource, answers: DnsRecord[], reason?: string) =>
    finish({ name: asked, type, rcode, source, answers, path }, reason);

  const region = world.aws.regions[vantage.region];
  if (!region?.vpcs.some((vpc) => vpc.id === vantage.vpcId)) {
    return result(
      'SERVFAIL',
      'none',
      [],
      `VPC ${vantage.vpcId} does not exist in ${vantage.region}`,
    );
  }

  const forward = matchingRule(world, vantage, asked);
  if (!forward) {
    path.push(
      `no FORWARD rule in effect for ${vantage.vpcId} matches ${asked} ` +
        '(associated and COMPLETE, with an OPERATIONAL endpoint): the public DNS answers',
    );
    return publicAnswer(asked, type, [], path, result);
  }
  const { rule, endpoint } = forward;
  path.push(`FORWARD rule ${rule.id} (${rule.domainName}) via outbound endpoint ${endpoint.id}`);

  const forwarder = reachTarget(world, region, forward, path);
  if (!forwarder) {
    const reason = `no target of rule ${rule.id} answered (the resolver times out: SERVFAIL)`;
    return result('SERVFAIL', 'none', [], reason);
  }
  return fromNetwork(forwarder, asked, type, [], path, result);
}

type Finish = (
  rcode: DnsRcode,
  source: AnswerSource,
  answers: DnsRecord[],
  reason?: string,
) => VpcResolution;

function finish(resolution: VpcResolution, reason?: string): VpcResolution {
  if (reason === undefined) return resolution;
  resolution.path.push(reason);
  return { ...resolution, reason };
}

/** The most specific FORWARD rule in effect for the VPC whose domain holds `name`. */
function matchingRule(world: World, vantage: Vantage, name: string): ForwardingRule | undefined {
  return forwardingRulesForVpc(world, vantage.vpcId, vantage.region).find(({ rule }) =>
    inDomain(name, fqdn(rule.domainName)),
  );
}

/** The first target of the rule a query gets through to; each attempt goes on the path. */
function reachTarget(
  world: World,
  region: AwsRegion,
  forward: ForwardingRule,
  path: string[],
): Forwarder | undefined {
  for (const target of forward.rule.targetIps) {
    const { hop, forwarder } = targetHop(world, region, forward, target);
    const label = `target ${target.Ip}:${target.Port}`;
    path.push(hop.ok ? `${label} reached: ${hop.detail}` : `${label} unreachable: ${hop.detail}`);
    if (hop.ok && forwarder) return forwarder;
  }
  return undefined;
}

/** Follows one query packet from the endpoint's interfaces to the target, hop by hop. */
function targetHop(
  world: World,
  region: AwsRegion,
  { endpoint }: ForwardingRule,
  target: TargetAddress,
): { hop: Hop; forwarder?: Forwarder } {
  const ip = target.Ip;
  const groups = region.securityGroups.filter((g) => endpoint.securityGroupIds.includes(g.id));
  if (!egressAllows(groups, 'udp', target.Port, ip)) {
    const ids = endpoint.securityGroupIds.join(', ') || 'none';
    return { hop: fail(`security groups (${ids}) allow no UDP egress to ${ip}:${target.Port}`) };
  }

  const subnets = [...new Set(endpoint.ipAddresses.map((each) => each.subnetId))];
  if (subnets.length === 0) return { hop: fail(`endpoint ${endpoint.id} has no IP address`) };
  const routes: string[] = [];
  for (const subnet of subnets) {
    const hop = vpnHop(world, region, endpoint.hostVpcId, subnet, ip);
    if (!hop.ok) return { hop };
    routes.push(hop.detail);
  }

  const forwarder = findForwarder(world, ip);
  if (!forwarder) {
    const why = 'not an inbound DNS forwarder of any GCP network with inbound forwarding on';
    return { hop: fail(`nothing answers at ${ip}: it is ${why}`) };
  }
  if (target.Port !== 53) {
    return { hop: fail(`forwarder ${ip} listens on port 53, the rule targets ${target.Port}`) };
  }
  const { address, network, policy } = forwarder;
  const what = `forwarder ${address.name} of network ${network} (policy ${policy.name})`;
  return { hop: pass(`${routes.join('; ')}; ${what}`), forwarder };
}

/**
 * A live inbound forwarder: a regional address with purpose DNS_RESOLVER in a subnet of a
 * network whose DNS server policy has inbound forwarding on.
 */
function findForwarder(world: World, ip: string): Forwarder | undefined {
  for (const project of Object.values(world.gcp.projects)) {
    for (const address of Object.values(project.addresses)) {
      if (address.purpose !== 'DNS_RESOLVER' || address.address !== ip) continue;
      const network = project.subnetworks[address.subnetwork ?? '']?.network;
      if (!network) continue;
      const policy = Object.values(project.policies).find(
        (each) => each.enableInboundForwarding && each.networks.includes(network),
      );
      if (policy) return { project, network, address, policy };
    }
  }
  return undefined;
}

/**
 * Cloud DNS answering for a network: the longest private zone bound to it that holds the
 * name is authoritative (no fall-through to the internet); without one, the public DNS.
 */
function fromNetwork(
  view: NetworkView,
  name: string,
  type: 'A' | 'CNAME',
  chain: DnsRecord[],
  path: string[],
  result: Finish,
): VpcResolution {
  const zone = zoneFor(view.project, view.network, name);
  if (!zone) {
    path.push(`no private zone bound to ${view.network} holds ${name}: resolved publicly`);
    return publicAnswer(name, type, chain, path, result);
  }
  const where = `private zone ${zone.name} (${zone.dnsName})`;
  const node = lookupNode(zone, name);
  if (!node.exists) {
    return result('NXDOMAIN', 'private-zone', chain, `${name} does not exist in ${where}`);
  }

  const via = node.wildcard ? ` (wildcard ${node.wildcard})` : '';
  const direct = recordsOf(node, type);
  if (direct.length > 0) {
    const datas = direct.map((record) => record.data).join(', ');
    path.push(`${where}: ${name} ${type} ${datas}${via}`);
    return result('NOERROR', 'private-zone', [...chain, ...direct]);
  }
  const cname = recordsOf(node, 'CNAME')[0];
  if (!cname) {
    return result('NOERROR', 'private-zone', chain, `${name} has no ${type} record in ${where}`);
  }

  path.push(`${where}: ${name} CNAME ${cname.data}${via}`);
  const seen = [name, ...chain.map((record) => record.name)];
  if (seen.includes(cname.data) || chain.length + 1 >= MAX_CHAIN) {
    return result('SERVFAIL', 'none', [], `CNAME loop or chain too long at ${cname.data}`);
  }
  return fromNetwork(view, cname.data, type, [...chain, cname], path, result);
}

function publicAnswer(
  name: string,
  type: 'A' | 'CNAME',
  chain: DnsRecord[],
  path: string[],
  result: Finish,
): VpcResolution {
  const records = publicRecords(name, type);
  if (!records) return result('NXDOMAIN', 'public', chain, `${name} does not exist in public DNS`);
  if (records.length === 0) {
    return result('NOERROR', 'public', chain, `public DNS has no ${type} record for ${name}`);
  }
  path.push(`public DNS: ${name} ${type} ${records.map((record) => record.data).join(', ')}`);
  return result('NOERROR', 'public', [...chain, ...records]);
}
