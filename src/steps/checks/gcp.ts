import { toCloudError } from '../../cloud/gcp.js';
import { ipInCidr } from '../../config/network.js';
import { orAbsent } from '../gcp/common.js';
import {
  inOrder,
  READVERTISE,
  REBUILD_PSC_STEPS,
  REBUILD_RULE,
  REBUILD_RULE_STEPS,
  rebuildEndpoint,
  replaceRecord,
} from './fixes.js';
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
      const name = config.pscEndpoint ?? '';
      const api = 'compute.globalForwardingRules.get';
      const found = compute.globalForwardingRules
        .get({ project: projectId, forwardingRule: name })
        .catch((error: unknown) => Promise.reject(toCloudError(error, api, name)));
      const rule = (await orAbsent(found))?.[0];
      if (!rule) {
        const recreate = `Create it again: ${REBUILD_PSC_STEPS}.`;
        return fail(id, title, `no forwarding rule ${name} in ${projectId}`, recreate);
      }
      // psc-bridge creates all-apis endpoints; a vpc-sc one serves only the APIs VPC Service
      // Controls supports, so it is not the path the issue asks for.
      if (rule.target !== 'all-apis') {
        return fail(
          id,
          title,
          `its target is ${rule.target}, not all-apis`,
          rebuildEndpoint(input),
        );
      }
      if (rule.IPAddress !== config.pscIp) {
        return fail(
          id,
          title,
          `it holds ${rule.IPAddress}, not ${config.pscIp}`,
          `If ${rule.IPAddress} is the endpoint's address, pass --psc-ip ${rule.IPAddress}. ` +
            rebuildEndpoint(input),
        );
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
  const fix = READVERTISE;
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
  const fix = 'Run `psc-bridge create-zone`, then `psc-bridge add-records`.';
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
      const wrong = (name: string, type: string, data: string[]) =>
        fail(
          id,
          title,
          `${name} ${type} is ${data.join(', ') || 'missing'} in ${zone.name}`,
          data.length === 0
            ? 'Run `psc-bridge add-records`.'
            : replaceRecord(input, zone.name ?? '', name, type),
        );
      if (!cname.includes(endpointName)) return wrong('*.googleapis.com.', 'CNAME', cname);
      if (!a.includes(config.pscIp ?? '')) return wrong(endpointName, 'A', a);
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
  /** The rule's target IPs; undefined when there is no rule. */
  targets: Promise<string[] | undefined>,
): Promise<CheckResult> {
  const { config } = input;
  const id = 'inbound-forwarding';
  const region = config.gcpRegion;
  const title = `inbound DNS forwarding is on and the rule targets live forwarders in ${region}`;
  const fix = `Turn inbound forwarding on and point the rule at it: ${REBUILD_RULE_STEPS}.`;
  return guarded(
    id,
    title,
    async () => {
      const [live, wanted] = await Promise.all([liveForwarders(input), targets]);
      if (!live.on)
        return fail(id, title, `no policy with inbound forwarding on ${config.gcpNetwork}`, fix);
      if (!wanted) {
        const create = `Run ${inOrder('psc-bridge create-rule', 'psc-bridge associate')}.`;
        const forwarders = live.ips.join(', ') || 'none';
        return fail(
          id,
          title,
          `forwarders: ${forwarders}; there is no rule to target them`,
          create,
        );
      }
      if (wanted.length === 0) return fail(id, title, 'the rule has no targets', REBUILD_RULE);
      const dead = wanted.filter((ip) => !live.ips.includes(ip));
      if (dead.length > 0) {
        return fail(
          id,
          title,
          `the rule targets ${dead.join(', ')}, which no forwarder holds ` +
            `(live: ${live.ips.join(', ') || 'none'})`,
          REBUILD_RULE,
        );
      }
      return pass(id, title, `targets ${wanted.join(', ')} are live forwarders`);
    },
    fix,
  );
}
