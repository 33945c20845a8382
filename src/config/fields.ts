/**
 * The inputs psc-bridge reads: one entry per value, with its flag, its place in the config
 * file and its rule. This module stays free of heavy imports: `--help` reads it.
 */

export interface Config {
  gcpProject: string;
  gcpRegion: string;
  gcpNetwork: string;
  gcpRouter: string;
  pscEndpoint: string;
  pscAddressName: string;
  pscIp: string;
  dnsZone: string;
  dnsPolicy: string;
  awsRegion: string;
  awsProfile: string;
  vpcId: string;
  subnetIds: string[];
  securityGroupName: string;
  resolverEndpointName: string;
  resolverRuleName: string;
}

export type ConfigKey = keyof Config;
export type PartialConfig = Partial<Config>;

/** What a prompt can offer as a list when the cloud can be asked. */
export type DiscoveryKind =
  | 'gcpProjects'
  | 'gcpRegions'
  | 'gcpNetworks'
  | 'gcpRouters'
  | 'awsVpcs'
  | 'awsSubnets';

export interface FieldSpec {
  key: ConfigKey;
  /** Place in the config file: `{ gcp: { project } }` is `['gcp', 'project']`. */
  file: readonly ['gcp' | 'aws', string];
  flag: string;
  /** Placeholder shown in `--help`, e.g. `<id>`. */
  arg: string;
  description: string;
  list?: true;
  /** Used when nothing else gives a value (and offered as the prompt's default). */
  fallback?: string;
  /** Optional values may stay unset; the cloud's own default chain then applies. */
  optional?: true;
  discover?: DiscoveryKind;
  /** The rule, in words, for error messages. */
  rule: string;
  /** Returns true when one value (one list item for lists) keeps the rule. */
  check(value: string): boolean;
}

const gcpName = (value: string) => /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/.test(value);
const gcpNameRule = '1-63 lowercase letters, digits or hyphens, starting with a letter';
const awsName = (max: number) => (value: string) =>
  value.length >= 1 && value.length <= max && /^[\w .\-:/()#,@[\]+=&;{}!$*]+$/.test(value);

export function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return (
    parts.length === 4 &&
    parts.every((part) => /^(?:0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)
  );
}

export const FIELDS: readonly FieldSpec[] = [
  {
    key: 'gcpProject',
    file: ['gcp', 'project'],
    flag: '--gcp-project',
    arg: '<id>',
    description: 'GCP project id that holds the VPN network',
    discover: 'gcpProjects',
    rule: 'a project id: 6-30 lowercase letters, digits or hyphens, starting with a letter',
    check: (v) => /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(v),
  },
  {
    key: 'gcpRegion',
    file: ['gcp', 'region'],
    flag: '--gcp-region',
    arg: '<region>',
    description: 'GCP region of the Cloud Router and VPN (e.g. asia-northeast1)',
    discover: 'gcpRegions',
    rule: 'a region name such as asia-northeast1',
    check: (v) => /^[a-z]+-[a-z]+\d+$/.test(v),
  },
  {
    key: 'gcpNetwork',
    file: ['gcp', 'network'],
    flag: '--gcp-network',
    arg: '<name>',
    description: 'GCP VPC network the VPN is attached to',
    discover: 'gcpNetworks',
    rule: gcpNameRule,
    check: gcpName,
  },
  {
    key: 'gcpRouter',
    file: ['gcp', 'router'],
    flag: '--gcp-router',
    arg: '<name>',
    description: 'Cloud Router holding the BGP sessions toward AWS',
    discover: 'gcpRouters',
    rule: gcpNameRule,
    check: gcpName,
  },
  {
    key: 'pscEndpoint',
    file: ['gcp', 'pscEndpoint'],
    flag: '--psc-endpoint',
    arg: '<name>',
    description: 'name of the PSC endpoint (forwarding rule) for Google APIs',
    fallback: 'pscbridge',
    rule: '1-20 lowercase letters or digits, starting with a letter (no hyphens)',
    check: (v) => /^[a-z][a-z0-9]{0,19}$/.test(v),
  },
  {
    key: 'pscAddressName',
    file: ['gcp', 'pscAddressName'],
    flag: '--psc-address-name',
    arg: '<name>',
    description: 'name of the global address reserved for the endpoint',
    fallback: 'psc-bridge-address',
    rule: gcpNameRule,
    check: gcpName,
  },
  {
    key: 'pscIp',
    file: ['gcp', 'pscIp'],
    flag: '--psc-ip',
    arg: '<ipv4>',
    description: 'internal IPv4 for the endpoint, outside every GCP subnet and the AWS VPC CIDR',
    rule: 'an IPv4 address such as 10.164.128.1',
    check: isIpv4,
  },
  {
    key: 'dnsZone',
    file: ['gcp', 'dnsZone'],
    flag: '--dns-zone',
    arg: '<name>',
    description: 'name of the private Cloud DNS zone for googleapis.com.',
    fallback: 'psc-bridge-googleapis',
    rule: gcpNameRule,
    check: gcpName,
  },
  {
    key: 'dnsPolicy',
    file: ['gcp', 'dnsPolicy'],
    flag: '--dns-policy',
    arg: '<name>',
    description: 'name of the DNS server policy with inbound forwarding',
    fallback: 'psc-bridge-inbound',
    rule: gcpNameRule,
    check: gcpName,
  },
  {
    key: 'awsRegion',
    file: ['aws', 'region'],
    flag: '--aws-region',
    arg: '<region>',
    description: 'AWS region of the VPC (e.g. ap-northeast-1)',
    rule: 'a region name such as ap-northeast-1',
    check: (v) => /^[a-z]{2}(?:-[a-z]+)+-\d+$/.test(v),
  },
  {
    key: 'awsProfile',
    file: ['aws', 'profile'],
    flag: '--aws-profile',
    arg: '<name>',
    description: 'AWS named profile (default: the standard credential chain)',
    optional: true,
    rule: 'a profile name without spaces',
    check: (v) => /^[\w.@+-]+$/.test(v),
  },
  {
    key: 'vpcId',
    file: ['aws', 'vpcId'],
    flag: '--vpc-id',
    arg: '<id>',
    description: 'AWS VPC whose workloads should reach Google APIs',
    discover: 'awsVpcs',
    rule: 'a VPC id such as vpc-028bdb0ee3a9213b4',
    check: (v) => /^vpc-[0-9a-f]{8,17}$/.test(v),
  },
  {
    key: 'subnetIds',
    file: ['aws', 'subnetIds'],
    flag: '--subnet-ids',
    arg: '<a,b>',
    description: 'subnets for the resolver endpoint IPs: at least two, ideally in two AZs',
    list: true,
    discover: 'awsSubnets',
    rule: 'at least two subnet ids such as subnet-03e945e9c28079b4f, comma-separated',
    check: (v) => /^subnet-[0-9a-f]{8,17}$/.test(v),
  },
  {
    key: 'securityGroupName',
    file: ['aws', 'securityGroupName'],
    flag: '--security-group-name',
    arg: '<name>',
    description: 'security group for the resolver endpoint',
    fallback: 'psc-bridge-resolver',
    rule: '1-255 characters (letters, digits, spaces, ._-:/()#,@[]+=&;{}!$*), not starting sg-',
    check: (v) => awsName(255)(v) && !v.startsWith('sg-'),
  },
  {
    key: 'resolverEndpointName',
    file: ['aws', 'resolverEndpointName'],
    flag: '--resolver-endpoint-name',
    arg: '<name>',
    description: 'name of the Route 53 Resolver outbound endpoint',
    fallback: 'psc-bridge-outbound',
    rule: '1-64 characters, no leading digit',
    check: (v) => awsName(64)(v) && !/^\d/.test(v),
  },
  {
    key: 'resolverRuleName',
    file: ['aws', 'resolverRuleName'],
    flag: '--resolver-rule-name',
    arg: '<name>',
    description: 'name of the Route 53 Resolver forwarding rule for googleapis.com.',
    fallback: 'psc-bridge-googleapis',
    rule: '1-64 characters, no leading digit',
    check: (v) => awsName(64)(v) && !/^\d/.test(v),
  },
];

export function fieldOf(key: ConfigKey): FieldSpec {
  const field = FIELDS.find((candidate) => candidate.key === key);
  if (!field) throw new Error(`unknown config key ${key}`);
  return field;
}

/** The commander option name for a field: `--gcp-project` → `gcpProject`. */
export function optionName(field: FieldSpec): string {
  return field.flag.slice(2).replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
