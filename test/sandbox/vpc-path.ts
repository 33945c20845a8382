// Builds the runbook's private path in a running sandbox through the real SDK clients, for
// the VPC data-plane tests (test/sandbox/vpc-*.test.ts). Not a test file itself.
import {
  AuthorizeSecurityGroupEgressCommand,
  CreateSecurityGroupCommand,
  type IpPermission,
  RevokeSecurityGroupEgressCommand,
} from '@aws-sdk/client-ec2';
import {
  AssociateResolverRuleCommand,
  CreateResolverEndpointCommand,
  CreateResolverRuleCommand,
} from '@aws-sdk/client-route53resolver';
import type { GcpClients } from '../../src/cloud/gcp.js';
import { SEED } from '../../src/sandbox/aws/seed.js';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import { type AwsClients, RUNBOOK } from '../helpers/aws.js';
import { enableServices, PROJECT, REGION, settle } from '../helpers/gcp.js';

const GCP = GCP_SEED.runbook;
export const PSC_IP = GCP.pscAddress;
export const ENDPOINT_HOST = `${GCP.endpointName}.googleapis.com.`;
export const ROUTER = { project: PROJECT, region: REGION, router: GCP_SEED.router };

export const RECORDS = {
  wildcard: { name: '*.googleapis.com.', type: 'CNAME', ttl: 300, rrdatas: [ENDPOINT_HOST] },
  endpoint: { name: ENDPOINT_HOST, type: 'A', ttl: 300, rrdatas: [PSC_IP] },
};

/** Egress UDP 53 (or TCP 53) to the GCP subnet: what the endpoint's group needs. */
export function dnsEgress(protocol: 'udp' | 'tcp'): IpPermission {
  return {
    IpProtocol: protocol,
    FromPort: 53,
    ToPort: 53,
    IpRanges: [{ CidrIp: RUNBOOK.gcpSubnet }],
  };
}

export interface BuiltPath {
  groupId: string;
  endpointId: string;
  ruleId: string;
}

let seq = 0;
const token = (label: string) => `vpc-${label}-${process.pid}-${seq++}`;

/**
 * Sets the Cloud Router's advertisement: all subnets plus `ranges` (CUSTOM), or back to
 * DEFAULT (its subnets only) when there are none. An empty list cannot clear the ranges
 * through the SDK: proto3 JSON leaves empty lists out, and PATCH keeps what it is not sent.
 */
export async function advertise(gcp: GcpClients, ranges: string[]): Promise<void> {
  const bgp =
    ranges.length === 0
      ? { advertiseMode: 'DEFAULT' }
      : {
          advertiseMode: 'CUSTOM',
          advertisedGroups: ['ALL_SUBNETS'],
          advertisedIpRanges: ranges.map((range) => ({ range })),
        };
  await settle(gcp, await gcp.compute.routers.patch({ ...ROUTER, routerResource: { bgp } }));
}

/** The GCP half: PSC address and rule, the /32 advertised, zone and records, DNS policy. */
export async function buildGcpPath(gcp: GcpClients, baseUrl: string): Promise<void> {
  await enableServices(gcp, ['servicedirectory.googleapis.com', 'dns.googleapis.com']);
  const project = `${baseUrl}/compute/v1/projects/${PROJECT}`;
  const networkLink = `${project}/global/networks/${GCP_SEED.network}`;
  const addressResource = {
    name: GCP.pscAddressName,
    address: PSC_IP,
    addressType: 'INTERNAL',
    purpose: 'PRIVATE_SERVICE_CONNECT',
    network: networkLink,
  };
  await settle(
    gcp,
    await gcp.compute.globalAddresses.insert({ project: PROJECT, addressResource }),
  );
  const forwardingRuleResource = {
    name: GCP.endpointName,
    IPAddress: PSC_IP,
    network: networkLink,
    target: 'all-apis',
    serviceDirectoryRegistrations: [{ serviceDirectoryRegion: REGION }],
  };
  const rule = await gcp.compute.globalForwardingRules.insert({
    project: PROJECT,
    forwardingRuleResource,
  });
  await settle(gcp, rule);
  await advertise(gcp, [`${PSC_IP}/32`]);

  const dns = await gcp.dns();
  const networks = [{ networkUrl: networkLink }];
  await dns.managedZones.create({
    project: PROJECT,
    requestBody: {
      name: GCP.zoneName,
      dnsName: GCP.zoneDnsName,
      description: 'psc-bridge test',
      visibility: 'private',
      privateVisibilityConfig: { networks },
    },
  });
  await dns.changes.create({
    project: PROJECT,
    managedZone: GCP.zoneName,
    requestBody: { additions: [RECORDS.wildcard, RECORDS.endpoint] },
  });
  await dns.policies.create({
    project: PROJECT,
    requestBody: { name: GCP.policyName, enableInboundForwarding: true, networks },
  });
}

/** The AWS half: least-privilege group, outbound endpoint over two AZs, rule, association. */
export async function buildAwsPath(aws: AwsClients): Promise<BuiltPath> {
  const group = await aws.ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: RUNBOOK.sgName,
      Description: RUNBOOK.sgDescription,
      VpcId: SEED.vpcId,
    }),
  );
  const groupId = group.GroupId ?? '';
  const allTraffic = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] };
  await aws.ec2.send(
    new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [allTraffic] }),
  );
  await aws.ec2.send(
    new AuthorizeSecurityGroupEgressCommand({
      GroupId: groupId,
      IpPermissions: [dnsEgress('udp'), dnsEgress('tcp')],
    }),
  );

  const endpoint = await aws.resolver.send(
    new CreateResolverEndpointCommand({
      CreatorRequestId: token('endpoint'),
      Name: RUNBOOK.endpointName,
      Direction: 'OUTBOUND',
      SecurityGroupIds: [groupId],
      IpAddresses: [
        { SubnetId: SEED.subnetA.id, Ip: RUNBOOK.ips[0] },
        { SubnetId: SEED.subnetC.id, Ip: '10.128.2.16' },
      ],
    }),
  );
  const endpointId = endpoint.ResolverEndpoint?.Id ?? '';
  const ruleId = await forwardRule(aws, endpointId, RUNBOOK.domain, RUNBOOK.forwarderIp);
  return { groupId, endpointId, ruleId };
}

/** Creates a FORWARD rule through the endpoint and associates it with the seeded VPC. */
export async function forwardRule(
  aws: AwsClients,
  endpointId: string,
  domain: string,
  targetIp: string,
): Promise<string> {
  const rule = await aws.resolver.send(
    new CreateResolverRuleCommand({
      CreatorRequestId: token('rule'),
      RuleType: 'FORWARD',
      DomainName: domain,
      TargetIps: [{ Ip: targetIp, Port: 53 }],
      ResolverEndpointId: endpointId,
    }),
  );
  const ruleId = rule.ResolverRule?.Id ?? '';
  await aws.resolver.send(
    new AssociateResolverRuleCommand({ ResolverRuleId: ruleId, VPCId: SEED.vpcId }),
  );
  return ruleId;
}
