import { createHash } from 'node:crypto';
import { firstFreeHost } from '../ipv4.js';
import type { AddressRecord, GcpProject, PolicyRecord, SubnetworkRecord } from '../world.js';

/**
 * Keeps the inbound DNS forwarder addresses of a project in line with its DNS server
 * policies: while a policy has inbound forwarding on (and its setup time has passed), each
 * subnet of each network it is bound to holds one regional internal address with purpose
 * DNS_RESOLVER; the others are released. Cloud DNS owns these addresses, not the user.
 */
export function reconcileForwarders(project: GcpProject, now: number): void {
  const wanted = new Map<string, { policy: PolicyRecord; subnet: SubnetworkRecord }>();
  for (const policy of Object.values(project.policies)) {
    if (!policy.enableInboundForwarding) continue;
    if (policy.inboundReadyAt === undefined || policy.inboundReadyAt > now) continue;
    for (const subnet of Object.values(project.subnetworks)) {
      if (!policy.networks.includes(subnet.network)) continue;
      wanted.set(`${policy.name}|${subnet.region}/${subnet.name}`, { policy, subnet });
    }
  }

  for (const [key, address] of Object.entries(project.addresses)) {
    if (address.forwarderOf && !wanted.has(address.forwarderOf)) delete project.addresses[key];
  }
  const present = new Set(Object.values(project.addresses).map((address) => address.forwarderOf));
  for (const [key, { policy, subnet }] of wanted) {
    if (present.has(key)) continue;
    const address = forwarderAddress(project, policy, subnet, key, now);
    if (address) project.addresses[`${subnet.region}/${address.name}`] = address;
  }
}

function forwarderAddress(
  project: GcpProject,
  policy: PolicyRecord,
  subnet: SubnetworkRecord,
  key: string,
  now: number,
): AddressRecord | undefined {
  const subnetKey = `${subnet.region}/${subnet.name}`;
  const used = [
    ...project.instances.filter((vm) => vm.subnetwork === subnetKey).map((vm) => vm.networkIP),
    ...Object.values(project.addresses)
      .filter((address) => address.subnetwork === subnetKey)
      .map((address) => address.address),
  ];
  const ip = firstFreeHost(subnet.ipCidrRange, used);
  if (!ip) return undefined;
  const digest = createHash('sha256').update(`${project.projectId}|${key}|${policy.id}`).digest();
  return {
    id: BigInt(`0x1${digest.toString('hex').slice(0, 14)}`).toString(),
    name: `dns-forwarding-${digest.toString('hex').slice(0, 12)}`,
    createdAt: now,
    description: `Inbound DNS forwarding address of DNS policy ${policy.name}`,
    address: ip,
    addressType: 'INTERNAL',
    purpose: 'DNS_RESOLVER',
    region: subnet.region,
    subnetwork: subnetKey,
    status: 'IN_USE',
    users: [],
    labels: {},
    forwarderOf: key,
  };
}
