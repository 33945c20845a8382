import type { AwsRegion } from './world.js';

/**
 * The AWS side of the runbook's world, in one place. Ids are the runbook's own where it gives
 * them and made-up but well-formed otherwise.
 */
export const SEED = {
  accountId: '123456789012',
  region: 'ap-northeast-1',
  availabilityZones: [
    { name: 'ap-northeast-1a', zoneId: 'apne1-az4' },
    { name: 'ap-northeast-1c', zoneId: 'apne1-az1' },
    { name: 'ap-northeast-1d', zoneId: 'apne1-az2' },
  ],
  vpcId: 'vpc-028bdb0ee3a9213b4',
  vpcCidr: '10.128.0.0/20',
  vpcCidrAssociationId: 'vpc-cidr-assoc-0a1b2c3d4e5f60718',
  dhcpOptionsId: 'dopt-0c7e1a2b3d4f5a6b7',
  subnetA: {
    id: 'subnet-03e945e9c28079b4f',
    cidr: '10.128.1.0/24',
    availabilityZone: 'ap-northeast-1a',
  },
  subnetC: {
    id: 'subnet-0b5d2f7c81e4a9036',
    cidr: '10.128.2.0/24',
    availabilityZone: 'ap-northeast-1c',
  },
  defaultSecurityGroupId: 'sg-0f3a1c5e7d9b2a4c6',
  vpnGatewayId: 'vgw-0e2d4c6a8b1f3e5d7',
  vpnGatewayAsn: 64512,
  routeTableId: 'rtb-06c1e3a5b7d9f2e4a',
  mainAssociationId: 'rtbassoc-0a2c4e6b8d1f3a5c7',
  subnetAssociationIds: ['rtbassoc-01b3d5f7a9c2e4b6d', 'rtbassoc-0d1f3b5a7c9e2d4f6'],
} as const;

export function seedRegion(): AwsRegion {
  const vpcId = SEED.vpcId;
  const subnets = [SEED.subnetA, SEED.subnetC];
  return {
    availabilityZones: SEED.availabilityZones.map((zone) => ({ ...zone })),
    vpcs: [
      {
        id: vpcId,
        cidr: SEED.vpcCidr,
        cidrAssociationId: SEED.vpcCidrAssociationId,
        isDefault: false,
        dhcpOptionsId: SEED.dhcpOptionsId,
        tags: [{ Key: 'Name', Value: 'bigquery_vpn_test-vpc' }],
      },
    ],
    subnets: subnets.map((subnet, index) => ({
      ...subnet,
      vpcId,
      tags: [{ Key: 'Name', Value: `bigquery_vpn_test-private-${index + 1}` }],
    })),
    vpnGateways: [
      {
        id: SEED.vpnGatewayId,
        vpcId,
        amazonSideAsn: SEED.vpnGatewayAsn,
        tags: [{ Key: 'Name', Value: 'bigquery_vpn_test-vgw' }],
      },
    ],
    routeTables: [
      {
        id: SEED.routeTableId,
        vpcId,
        main: true,
        mainAssociationId: SEED.mainAssociationId,
        subnetAssociations: subnets.map((subnet, index) => ({
          id: SEED.subnetAssociationIds[index] ?? `rtbassoc-${index}`,
          subnetId: subnet.id,
        })),
        routes: [{ destination: SEED.vpcCidr, gatewayId: 'local' }],
        propagatingVgws: [SEED.vpnGatewayId],
        tags: [{ Key: 'Name', Value: 'bigquery_vpn_test-private-rtb' }],
      },
    ],
    securityGroups: [
      {
        id: SEED.defaultSecurityGroupId,
        name: 'default',
        description: 'default VPC security group',
        vpcId,
        rules: [
          {
            id: 'sgr-0a9b8c7d6e5f40312',
            egress: false,
            protocol: '-1',
            referencedGroupId: SEED.defaultSecurityGroupId,
          },
          { id: 'sgr-0f1e2d3c4b5a69788', egress: true, protocol: '-1', cidrIpv4: '0.0.0.0/0' },
        ],
        tags: [],
      },
    ],
    networkInterfaces: [],
    resolverEndpoints: [],
    resolverRules: [],
    ruleAssociations: [],
  };
}
