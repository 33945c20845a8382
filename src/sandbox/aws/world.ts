import { SEED, seedRegion } from './seed.js';

/** The AWS half of the sandbox world: one account, its regions. */
export interface AwsWorld {
  accountId: string;
  /** Keyed by region name; a region first addressed by a request starts empty. */
  regions: Record<string, AwsRegion>;
  /** Switches that make the emulator misbehave the way the real cloud sometimes does. */
  knobs: AwsKnobs;
}

export interface AwsKnobs {
  /**
   * When true, new resolver endpoints end in ACTION_NEEDED instead of OPERATIONAL (the state
   * the real service reports when it cannot place an ENI). Off by default.
   */
  endpointActionNeeded?: boolean;
}

export interface AwsTag {
  Key: string;
  Value: string;
}

export interface AwsRegion {
  availabilityZones: AvailabilityZone[];
  vpcs: Vpc[];
  subnets: Subnet[];
  vpnGateways: VpnGateway[];
  routeTables: RouteTable[];
  securityGroups: SecurityGroup[];
  networkInterfaces: NetworkInterface[];
  resolverEndpoints: ResolverEndpoint[];
  resolverRules: ResolverRule[];
  ruleAssociations: RuleAssociation[];
}

export interface AvailabilityZone {
  name: string;
  zoneId: string;
}

export interface Vpc {
  id: string;
  cidr: string;
  cidrAssociationId: string;
  isDefault: boolean;
  dhcpOptionsId: string;
  tags: AwsTag[];
}

export interface Subnet {
  id: string;
  vpcId: string;
  cidr: string;
  availabilityZone: string;
  tags: AwsTag[];
}

export interface VpnGateway {
  id: string;
  /** The VPC the gateway is attached to. */
  vpcId: string;
  amazonSideAsn: number;
  tags: AwsTag[];
}

export interface StaticRoute {
  destination: string;
  /** `local` for the VPC's own range, or a gateway id. */
  gatewayId: string;
}

export interface RouteTable {
  id: string;
  vpcId: string;
  main: boolean;
  mainAssociationId?: string;
  subnetAssociations: { id: string; subnetId: string }[];
  routes: StaticRoute[];
  /** VGWs whose routes this table receives (route propagation enabled). */
  propagatingVgws: string[];
  tags: AwsTag[];
}

/** One security group rule, the unit the EC2 API calls `sgr-...`. */
export interface SgRule {
  id: string;
  egress: boolean;
  /** `tcp`, `udp`, `icmp`, `-1` (all) or a protocol number. */
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  referencedGroupId?: string;
  prefixListId?: string;
  description?: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  rules: SgRule[];
  tags: AwsTag[];
}

export interface NetworkInterface {
  id: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  privateIp: string;
  macAddress: string;
  groupIds: string[];
  description: string;
  status: 'available' | 'in-use';
  /** Set for interfaces a service manages (the resolver endpoint's), as in the real API. */
  requesterId?: string;
  /** The resolver endpoint that owns the interface, if any. */
  ownerEndpointId?: string;
  tags: AwsTag[];
}

export type EndpointStatus =
  | 'CREATING'
  | 'OPERATIONAL'
  | 'UPDATING'
  | 'AUTO_RECOVERING'
  | 'ACTION_NEEDED'
  | 'DELETING';

export interface EndpointIp {
  ipId: string;
  subnetId: string;
  ip: string;
  networkInterfaceId: string;
}

export interface ResolverEndpoint {
  id: string;
  arn: string;
  creatorRequestId: string;
  name?: string;
  direction: 'INBOUND' | 'OUTBOUND';
  securityGroupIds: string[];
  hostVpcId: string;
  ipAddresses: EndpointIp[];
  status: EndpointStatus;
  statusMessage: string;
  /** Epoch ms. */
  createdAt: number;
  modifiedAt: number;
  /** When CREATING ends (epoch ms). */
  readyAt?: number;
  /** When DELETING ends and the endpoint disappears (epoch ms). */
  goneAt?: number;
  tags: AwsTag[];
}

export interface TargetAddress {
  Ip: string;
  Port: number;
  Protocol?: string;
}

export interface ResolverRule {
  id: string;
  arn: string;
  creatorRequestId: string;
  name?: string;
  /** Always stored with the trailing dot. */
  domainName: string;
  ruleType: 'FORWARD' | 'SYSTEM' | 'RECURSIVE';
  targetIps: TargetAddress[];
  resolverEndpointId?: string;
  status: 'COMPLETE' | 'DELETING' | 'UPDATING' | 'FAILED';
  statusMessage: string;
  createdAt: number;
  modifiedAt: number;
  goneAt?: number;
  tags: AwsTag[];
}

export interface RuleAssociation {
  id: string;
  ruleId: string;
  vpcId: string;
  name?: string;
  status: 'CREATING' | 'COMPLETE' | 'DELETING' | 'FAILED' | 'OVERRIDDEN';
  statusMessage: string;
  readyAt?: number;
  goneAt?: number;
}

export function seedAwsWorld(): AwsWorld {
  return {
    accountId: SEED.accountId,
    regions: { [SEED.region]: seedRegion() },
    knobs: {},
  };
}

export function emptyRegion(): AwsRegion {
  return {
    availabilityZones: [],
    vpcs: [],
    subnets: [],
    vpnGateways: [],
    routeTables: [],
    securityGroups: [],
    networkInterfaces: [],
    resolverEndpoints: [],
    resolverRules: [],
    ruleAssociations: [],
  };
}

/** The region a request addresses, created empty the first time it is seen. */
export function regionOf(world: AwsWorld, region: string): AwsRegion {
  const existing = world.regions[region];
  if (existing) return existing;
  const fresh = emptyRegion();
  world.regions[region] = fresh;
  return fresh;
}
