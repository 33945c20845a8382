import { ipInCidr } from '../../config/network.js';
import { type CheckInput, type CheckResult, fail, guarded, pass, sameNetwork } from './types.js';

/** The forwarding rule exists, targets all Google APIs, and holds the PSC IP. */
export function checkEndpoint(input: CheckInput): Promise<CheckResult> {
  const { config } = input;
  const id = 'psc-endpoint';
  const title = `PSC endpoint ${config.pscEndpoint} targets all-apis at ${config.pscIp}`;
  return guarded(
    id,
    title,
    async () => {
      const { compute, projectId } = await input.services.gcp();
      const [rule] = await compute.globalForwardingRules.get({
        project: projectId,
        forwardingRule: config.pscEndpoint ?? '',
      });
      if (rule.target !== 'all-apis' && rule.target !== 'vpc-sc') {
        return fail(
          id,
          title,
          `its target is ${rule.target}`,
          'Recreate it with `psc-bridge create-psc`.',
        );
      }
      if (rule.IPAddress !== config.pscIp) {
        return fail(id, title, `it holds ${rule.IPAddress}`, 'Point --psc-ip at the endpoint IP.');
      }
      return pass(id, title, `target ${rule.target}, IP ${rule.IPAddress}`);
    },
    'Run `psc-bridge create-psc`.',
  );
}

/** The Cloud Router advertises the /32 to every BGP peer, per-peer CUSTOM modes included. */
export function checkAdvertised(input: CheckInput): Promise<CheckResult> {
  const { config } = input;
  const id = 'route-advertised';
  const range = `${config.pscIp}/32`;
  const title = `Cloud Router ${config.gcpRouter} advertises ${range} to every BGP peer`;
  const fix = 'Run `psc-bridge advertise-route` (with --yes to update CUSTOM peers).';
  return guarded(
    id,
    title,
    async () => {
      const { compute, projectId } = await input.services.gcp();
      const [router] = await compute.routers.get({
        project: projectId,
        region: config.gcpRegion ?? '',
        router: config.gcpRouter ?? '',
      });
      const covers = (ranges: { range?: string | null }[] | null | undefined) =>
        (ranges ?? []).some((r) => !!r.range && ipInCidr(config.pscIp ?? '', r.range));
      const routerCarries =
        router.bgp?.advertiseMode === 'CUSTOM' && covers(router.bgp.advertisedIpRanges);
      const missing = (router.bgpPeers ?? [])
        .filter((peer) =>
          peer.advertiseMode === 'CUSTOM' ? !covers(peer.advertisedIpRanges) : !routerCarries,
        )
        .map((peer) => peer.name ?? '?');
      if ((router.bgpPeers ?? []).length === 0) {
        return fail(id, title, 'the router has no BGP peers', 'Check the VPN between the clouds.');
      }
      if (missing.length > 0) {
        return fail(id, title, `not advertised to ${missing.join(', ')}`, fix);
      }
      return pass(
        id,
        title,
        `advertised to ${(router.bgpPeers ?? []).map((p) => p.name).join(', ')}`,
      );
    },
    fix,
  );
}

interface RecordSet {
  name?: string | null;
  type?: string | null;
  rrdatas?: string[] | null;
}

/** The private zone is bound to the network and holds the two records pointing at the IP. */
export function checkRecords(input: CheckInput): Promise<CheckResult> {
  const { config } = input;
  const id = 'dns-records';
  const endpointName = `${config.pscEndpoint}.googleapis.com.`;
  const title = `private zone for googleapis.com. sends *.googleapis.com to ${config.pscIp}`;
  const fix = 'Run `psc-bridge create-zone` and `psc-bridge add-records`.';
  return guarded(
    id,
    title,
    async () => {
      const { projectId } = await input.services.gcp();
      const dns = await (await input.services.gcp()).dns();
      const { data } = await dns.managedZones.list({
        project: projectId,
        dnsName: 'googleapis.com.',
      });
      const zone = (data.managedZones ?? []).find(
        (z) =>
          z.visibility === 'private' &&
          (z.privateVisibilityConfig?.networks ?? []).some((n) =>
            sameNetwork(n.networkUrl, config.gcpNetwork ?? ''),
          ),
      );
      if (!zone?.name) {
        return fail(
          id,
          title,
          `no private googleapis.com. zone is bound to ${config.gcpNetwork}`,
          fix,
        );
      }
      const listed = await dns.resourceRecordSets.list({
        project: projectId,
        managedZone: zone.name,
      });
      const sets: RecordSet[] = listed.data.rrsets ?? [];
      const find = (name: string, type: string) =>
        sets.find((s) => s.name === name && s.type === type)?.rrdatas ?? [];
      const cname = find('*.googleapis.com.', 'CNAME');
      const a = find(endpointName, 'A');
      if (!cname.includes(endpointName)) {
        return fail(
          id,
          title,
          `*.googleapis.com. CNAME is ${cname.join(', ') || 'missing'} in ${zone.name}`,
          fix,
        );
      }
      if (!a.includes(config.pscIp ?? '')) {
        return fail(
          id,
          title,
          `${endpointName} A is ${a.join(', ') || 'missing'} in ${zone.name}`,
          fix,
        );
      }
      return pass(id, title, `zone ${zone.name}: CNAME ${endpointName}, A ${config.pscIp}`);
    },
    fix,
  );
}

/** Inbound forwarding is on and returns the live forwarder IPs in the VPN region. */
export async function liveForwarders(input: CheckInput): Promise<{ on: boolean; ips: string[] }> {
  // Three independent reads: the policy, the forwarder addresses and the region's subnets.
  const [on, addresses, subnets] = await Promise.all([
    inboundForwardingOn(input),
    forwarderAddresses(input),
    regionSubnets(input),
  ]);
  const ips = addresses
    .filter((address) => subnets.some((link) => address.subnetwork === link))
    .map((address) => address.address ?? '');
  return { on, ips };
}

async function inboundForwardingOn(input: CheckInput): Promise<boolean> {
  const gcp = await input.services.gcp();
  const dns = await gcp.dns();
  const { data } = await dns.policies.list({ project: gcp.projectId });
  const policy = (data.policies ?? []).find((p) =>
    (p.networks ?? []).some((n) => sameNetwork(n.networkUrl, input.config.gcpNetwork ?? '')),
  );
  return policy?.enableInboundForwarding === true;
}

/** Regional addresses with purpose DNS_RESOLVER: the inbound forwarders, by CLOUD-FACTS. */
async function forwarderAddresses(input: CheckInput) {
  const { compute, projectId } = await input.services.gcp();
  const [addresses] = await compute.addresses.list({
    project: projectId,
    region: input.config.gcpRegion ?? '',
    filter: 'purpose = DNS_RESOLVER',
  });
  return addresses.filter((address) => address.purpose === 'DNS_RESOLVER' && !!address.address);
}

async function regionSubnets(input: CheckInput): Promise<string[]> {
  const { compute, projectId } = await input.services.gcp();
  const [subnets] = await compute.subnetworks.list({
    project: projectId,
    region: input.config.gcpRegion ?? '',
  });
  return subnets
    .filter((s) => sameNetwork(s.network, input.config.gcpNetwork ?? ''))
    .map((s) => s.selfLink ?? '');
}

/** The DNS policy has inbound forwarding on and the rule targets live forwarders. */
export function checkForwarding(
  input: CheckInput,
  targets: Promise<string[]>,
): Promise<CheckResult> {
  const { config } = input;
  const id = 'inbound-forwarding';
  const region = config.gcpRegion;
  const title = `inbound DNS forwarding is on and the rule targets live forwarders in ${region}`;
  const fix = 'Run `psc-bridge create-policy`, then `psc-bridge create-rule`.';
  return guarded(
    id,
    title,
    async () => {
      const [live, wanted] = await Promise.all([liveForwarders(input), targets]);
      if (!live.on)
        return fail(id, title, `no policy with inbound forwarding on ${config.gcpNetwork}`, fix);
      const dead = wanted.filter((ip) => !live.ips.includes(ip));
      if (wanted.length === 0) return fail(id, title, 'the rule has no targets', fix);
      if (dead.length > 0) {
        return fail(
          id,
          title,
          `the rule targets ${dead.join(', ')}, which no forwarder holds ` +
            `(live: ${live.ips.join(', ') || 'none'})`,
          'Remove the rule (`psc-bridge create-rule --destroy`) and create it again.',
        );
      }
      return pass(id, title, `targets ${wanted.join(', ')} are live forwarders`);
    },
    fix,
  );
}
