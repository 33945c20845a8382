import type { ConfigKey } from '../config/fields.js';

/**
 * What every step is, as data: enough for `--help`, the dependency graph and config
 * resolution without loading any step's code or any cloud SDK.
 */

export const STEP_IDS = [
  'enable-apis',
  'create-psc',
  'advertise-route',
  'create-zone',
  'add-records',
  'create-policy',
  'create-sg',
  'create-resolver-endpoint',
  'create-rule',
  'associate',
] as const;

export type StepId = (typeof STEP_IDS)[number];
export type Cloud = 'gcp' | 'aws';

export interface StepInfo {
  id: StepId;
  cloud: Cloud;
  title: string;
  /** Steps that must be done before this one can run. */
  needs: readonly StepId[];
  /** The config values the step reads. */
  reads: readonly ConfigKey[];
  /** Longer text for the subcommand's `--help`. */
  summary: string;
  /**
   * What teardown does when it does not simply delete: `keeps` what the step did (enabled
   * APIs), or `restores` a shared resource to how it was (the router's advertisements).
   */
  teardown?: 'keeps' | 'restores';
}

const GCP_BASE: readonly ConfigKey[] = ['gcpProject'];
const GCP_NET: readonly ConfigKey[] = ['gcpProject', 'gcpRegion', 'gcpNetwork'];
const AWS_BASE: readonly ConfigKey[] = ['awsRegion', 'awsProfile', 'vpcId'];

export const CATALOG: readonly StepInfo[] = [
  {
    id: 'enable-apis',
    cloud: 'gcp',
    title: 'Enable the Service Directory and Cloud DNS APIs',
    needs: [],
    reads: GCP_BASE,
    teardown: 'keeps',
    summary:
      'Enables servicedirectory.googleapis.com and dns.googleapis.com and checks that ' +
      'compute.googleapis.com is on.',
  },
  {
    id: 'create-psc',
    cloud: 'gcp',
    title: 'Create the Private Service Connect endpoint',
    needs: ['enable-apis'],
    reads: [...GCP_NET, 'pscEndpoint', 'pscAddressName', 'pscIp'],
    summary:
      'Reserves a global internal address (purpose PRIVATE_SERVICE_CONNECT) and creates ' +
      'the global forwarding rule to all-apis with a Service Directory registration.',
  },
  {
    id: 'advertise-route',
    cloud: 'gcp',
    title: 'Advertise the endpoint /32 over the VPN',
    needs: ['create-psc'],
    reads: [...GCP_NET, 'gcpRouter', 'pscIp'],
    teardown: 'restores',
    summary:
      'Adds the PSC /32 to the Cloud Router custom advertisements, keeping every range ' +
      'and group already advertised.',
  },
  {
    id: 'create-zone',
    cloud: 'gcp',
    title: 'Create the private googleapis.com. zone',
    needs: ['enable-apis'],
    reads: [...GCP_NET, 'dnsZone'],
    summary:
      'Creates a private Cloud DNS zone for googleapis.com. bound to the network, or ' +
      'adopts one that already serves it.',
  },
  {
    id: 'add-records',
    cloud: 'gcp',
    title: 'Point *.googleapis.com at the endpoint',
    needs: ['create-zone', 'create-psc'],
    reads: [...GCP_NET, 'dnsZone', 'pscEndpoint', 'pscIp'],
    summary:
      'Adds *.googleapis.com. CNAME <endpoint>.googleapis.com. and ' +
      '<endpoint>.googleapis.com. A <psc ip>, TTL 300, in one change.',
  },
  {
    id: 'create-policy',
    cloud: 'gcp',
    title: 'Turn on inbound DNS forwarding',
    needs: ['enable-apis'],
    reads: [...GCP_NET, 'dnsPolicy'],
    summary:
      'Creates (or adopts) the DNS server policy with inbound forwarding on the network ' +
      'and records the inbound forwarder addresses.',
  },
  {
    id: 'create-sg',
    cloud: 'aws',
    title: 'Create the resolver endpoint security group',
    needs: [],
    reads: [...AWS_BASE, 'securityGroupName', ...GCP_NET],
    summary:
      'Creates a security group that allows only DNS (TCP and UDP 53) out toward the ' +
      'GCP subnet.',
  },
  {
    id: 'create-resolver-endpoint',
    cloud: 'aws',
    title: 'Create the Route 53 Resolver outbound endpoint',
    needs: ['create-sg'],
    reads: [...AWS_BASE, 'subnetIds', 'resolverEndpointName'],
    summary:
      'Creates the OUTBOUND endpoint with IPs in the chosen subnets and waits until it ' +
      'is OPERATIONAL.',
  },
  {
    id: 'create-rule',
    cloud: 'aws',
    title: 'Create the googleapis.com. forwarding rule',
    needs: ['create-resolver-endpoint', 'create-policy'],
    reads: [...AWS_BASE, 'resolverRuleName', 'gcpRegion'],
    summary:
      'Creates a FORWARD rule for googleapis.com. through the endpoint to the GCP ' +
      'inbound forwarder addresses, port 53.',
  },
  {
    id: 'associate',
    cloud: 'aws',
    title: 'Associate the rule with the VPC',
    needs: ['create-rule'],
    reads: AWS_BASE,
    summary: 'Associates the forwarding rule with the VPC and waits until it is COMPLETE.',
  },
];

export function stepInfo(id: StepId): StepInfo {
  const info = CATALOG.find((step) => step.id === id);
  if (!info) throw new Error(`unknown step ${id}`);
  return info;
}

export function isStepId(value: string): value is StepId {
  return (STEP_IDS as readonly string[]).includes(value);
}

/** The config values a set of steps reads, without repeats. */
export function keysFor(ids: readonly StepId[]): ConfigKey[] {
  return [...new Set(ids.flatMap((id) => stepInfo(id).reads))];
}
