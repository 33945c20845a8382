/**
 * The GCP half of the sandbox world: projects holding the slices of Service Usage, Compute
 * and Cloud DNS that psc-bridge touches. Records hold what the APIs need to answer; the JSON
 * the APIs return is rendered from them by each API module (links use the emulator's URL).
 */
export interface GcpWorld {
  /** Keyed by project id. */
  projects: Record<string, GcpProject>;
}

export interface GcpProject {
  projectId: string;
  projectNumber: string;
  services: Record<string, ServiceRecord>;
  serviceOperations: Record<string, ServiceOperationRecord>;
  networks: Record<string, NetworkRecord>;
  /** Keyed by `region/name`, as are the other regional collections. */
  subnetworks: Record<string, SubnetworkRecord>;
  routers: Record<string, RouterRecord>;
  globalAddresses: Record<string, AddressRecord>;
  addresses: Record<string, AddressRecord>;
  forwardingRules: Record<string, ForwardingRuleRecord>;
  operations: Record<string, ComputeOperationRecord>;
  /** Compute `requestId` → the operation it started, so a retried call is a no-op. */
  requestIds: Record<string, string>;
  /** VM instances; not served, only holding subnet IPs (as in the runbook). */
  instances: InstanceRecord[];
  managedZones: Record<string, ManagedZoneRecord>;
  policies: Record<string, PolicyRecord>;
}

export interface ServiceRecord {
  state: 'ENABLED' | 'DISABLED';
  /** When calls to the API stop being refused after enabling (propagation delay). */
  usableAt?: number;
}

export interface ServiceOperationRecord {
  name: string;
  services: string[];
  batch: boolean;
  createdAt: number;
  doneAt: number;
  done: boolean;
  /** How long the API keeps refusing calls after the operation is done. */
  propagationMs: number;
}

export interface NetworkRecord {
  id: string;
  name: string;
  createdAt: number;
  description: string;
  routingMode: 'REGIONAL' | 'GLOBAL';
  mtu: number;
}

export interface SecondaryRange {
  rangeName: string;
  ipCidrRange: string;
}

export interface SubnetworkRecord {
  id: string;
  name: string;
  region: string;
  network: string;
  createdAt: number;
  ipCidrRange: string;
  secondaryIpRanges: SecondaryRange[];
  privateIpGoogleAccess: boolean;
}

export interface RouterInterface {
  name: string;
  ipRange: string;
  linkedVpnTunnel: string;
}

export interface AdvertisedRange {
  range: string;
  description?: string;
}

export interface BgpPeer {
  name: string;
  interfaceName: string;
  ipAddress: string;
  peerIpAddress: string;
  peerAsn: number;
  advertiseMode: 'DEFAULT' | 'CUSTOM';
  advertisedGroups: string[];
  advertisedIpRanges: AdvertisedRange[];
  advertisedRoutePriority: number;
  enable: 'TRUE' | 'FALSE';
}

export interface RouterBgp {
  asn: number;
  advertiseMode: 'DEFAULT' | 'CUSTOM';
  advertisedGroups: string[];
  advertisedIpRanges: AdvertisedRange[];
  keepaliveInterval: number;
}

export interface RouterRecord {
  id: string;
  name: string;
  region: string;
  network: string;
  createdAt: number;
  description: string;
  bgp: RouterBgp;
  bgpPeers: BgpPeer[];
  interfaces: RouterInterface[];
}

export interface AddressRecord {
  id: string;
  name: string;
  createdAt: number;
  description: string;
  address: string;
  addressType: 'INTERNAL' | 'EXTERNAL';
  purpose?: string;
  /** Network name (global PSC addresses). */
  network?: string;
  /** Region, for regional addresses. */
  region?: string;
  /** `region/name` of the subnetwork, for regional internal addresses. */
  subnetwork?: string;
  prefixLength?: number;
  status: 'RESERVING' | 'RESERVED' | 'IN_USE';
  /** Relative links (`global/forwardingRules/x`) of the resources using the address. */
  users: string[];
  labels: Record<string, string>;
  /** Set on inbound DNS forwarder addresses: `policyName|subnetKey`. Not served. */
  forwarderOf?: string;
}

export interface ServiceDirectoryRegistration {
  namespace: string;
  service: string;
  serviceDirectoryRegion: string;
}

export interface ForwardingRuleRecord {
  id: string;
  name: string;
  createdAt: number;
  description: string;
  ipAddress: string;
  /** Name of the global address the rule uses. */
  addressName: string;
  target: string;
  network: string;
  pscConnectionId: string;
  serviceDirectoryRegistrations: ServiceDirectoryRegistration[];
  fingerprint: string;
}

export interface InstanceRecord {
  name: string;
  zone: string;
  subnetwork: string;
  networkIP: string;
}

export type ResourceCollection = 'globalAddresses' | 'addresses' | 'forwardingRules' | 'routers';

/** What a compute operation does to the world when it finishes. */
export type OperationEffect =
  | { kind: 'ready'; collection: 'globalAddresses' | 'addresses'; key: string }
  | { kind: 'delete'; collection: ResourceCollection; key: string }
  | { kind: 'router-patch'; key: string; bgp: RouterBgp; bgpPeers: BgpPeer[] };

export interface OperationFailure {
  code: string;
  message: string;
}

export interface ComputeOperationRecord {
  id: string;
  name: string;
  operationType: string;
  /** Relative link of the target, e.g. `global/addresses/x`. */
  targetLink: string;
  targetId: string;
  region?: string;
  description?: string;
  insertTime: number;
  startAt: number;
  doneAt: number;
  status: 'PENDING' | 'RUNNING' | 'DONE';
  endTime?: number;
  effect?: OperationEffect;
  error?: OperationFailure[];
  /** Tests may set this to make the operation end in this error instead of its effect. */
  failWith?: OperationFailure;
}

export interface RecordSet {
  name: string;
  type: string;
  ttl: number;
  rrdatas: string[];
}

export interface ChangeRecord {
  id: string;
  startAt: number;
  doneAt: number;
  status: 'pending' | 'done';
  additions: RecordSet[];
  deletions: RecordSet[];
}

export interface ManagedZoneRecord {
  id: string;
  name: string;
  dnsName: string;
  description: string;
  visibility: 'public' | 'private';
  /** Network names the private zone is visible to. */
  networks: string[];
  labels: Record<string, string>;
  createdAt: number;
  records: RecordSet[];
  changes: ChangeRecord[];
}

export interface PolicyRecord {
  id: string;
  name: string;
  description: string;
  enableInboundForwarding: boolean;
  enableLogging: boolean;
  /** Network names the policy is bound to. */
  networks: string[];
  targetNameServers: { ipv4Address: string; forwardingPath?: string }[];
  /** When inbound forwarder addresses exist (set while inbound forwarding is on). */
  inboundReadyAt?: number;
}

/** The runbook's GCP side, as the sandbox starts. Tests and examples refer to these names. */
export const GCP_SEED = {
  projectId: 'psc-bridge-sandbox',
  projectNumber: '123456789012',
  network: 'aws-vpn-test-vpc',
  networkId: '4410000000000000001',
  subnet: 'aws-vpn-test-subnet',
  subnetId: '4410000000000000002',
  subnetCidr: '10.146.0.0/24',
  region: 'asia-northeast1',
  zone: 'asia-northeast1-a',
  router: 'aws-vpn-test-connect-aws-router',
  routerId: '4410000000000000003',
  routerAsn: 65000,
  awsAsn: 64512,
  peers: [
    { name: 'aws-peer-1', ipAddress: '169.254.10.2', peerIpAddress: '169.254.10.1' },
    { name: 'aws-peer-2', ipAddress: '169.254.20.2', peerIpAddress: '169.254.20.1' },
  ],
  instance: 'aws-vpn-test-instance-1',
  instanceIp: '10.146.0.2',
  enabledServices: ['compute.googleapis.com'],
  /** The runbook's own values for what psc-bridge creates. */
  runbook: {
    pscAddressName: 'psced-address',
    pscAddress: '10.164.128.1',
    endpointName: 'awsconnpscep',
    zoneName: 'restrictedgoogleapis',
    zoneDnsName: 'googleapis.com.',
    policyName: 'aws-vpn-test-api-policy',
    expectedForwarderIp: '10.146.0.3',
    awsVpcCidr: '10.128.0.0/20',
  },
} as const;

/** The instant the seeded resources were created (stable, so world files diff cleanly). */
const SEED_TIME = Date.UTC(2021, 9, 11, 0, 0, 0);

export function emptyProject(projectId: string, projectNumber: string): GcpProject {
  return {
    projectId,
    projectNumber,
    services: {},
    serviceOperations: {},
    networks: {},
    subnetworks: {},
    routers: {},
    globalAddresses: {},
    addresses: {},
    forwardingRules: {},
    operations: {},
    requestIds: {},
    instances: [],
    managedZones: {},
    policies: {},
  };
}

export function seedGcpWorld(): GcpWorld {
  const s = GCP_SEED;
  const project = emptyProject(s.projectId, s.projectNumber);
  for (const name of s.enabledServices) {
    project.services[name] = { state: 'ENABLED', usableAt: SEED_TIME };
  }
  project.networks[s.network] = {
    id: s.networkId,
    name: s.network,
    createdAt: SEED_TIME,
    description: '',
    routingMode: 'REGIONAL',
    mtu: 1460,
  };
  project.subnetworks[`${s.region}/${s.subnet}`] = {
    id: s.subnetId,
    name: s.subnet,
    region: s.region,
    network: s.network,
    createdAt: SEED_TIME,
    ipCidrRange: s.subnetCidr,
    secondaryIpRanges: [],
    privateIpGoogleAccess: false,
  };
  project.routers[`${s.region}/${s.router}`] = seedRouter();
  project.instances.push({
    name: s.instance,
    zone: s.zone,
    subnetwork: `${s.region}/${s.subnet}`,
    networkIP: s.instanceIp,
  });
  return { projects: { [s.projectId]: project } };
}

function seedRouter(): RouterRecord {
  const s = GCP_SEED;
  return {
    id: s.routerId,
    name: s.router,
    region: s.region,
    network: s.network,
    createdAt: SEED_TIME,
    description: '',
    bgp: {
      asn: s.routerAsn,
      advertiseMode: 'DEFAULT',
      advertisedGroups: [],
      advertisedIpRanges: [],
      keepaliveInterval: 20,
    },
    interfaces: s.peers.map((peer, index) => ({
      name: `${peer.name}-if`,
      ipRange: `${peer.ipAddress}/30`,
      linkedVpnTunnel: `regions/${s.region}/vpnTunnels/aws-vpn-test-tunnel-${index + 1}`,
    })),
    bgpPeers: s.peers.map((peer) => ({
      name: peer.name,
      interfaceName: `${peer.name}-if`,
      ipAddress: peer.ipAddress,
      peerIpAddress: peer.peerIpAddress,
      peerAsn: s.awsAsn,
      advertiseMode: 'DEFAULT',
      advertisedGroups: [],
      advertisedIpRanges: [],
      advertisedRoutePriority: 100,
      enable: 'TRUE',
    })),
  };
}
