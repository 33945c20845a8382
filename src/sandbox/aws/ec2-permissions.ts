import { isValidCidrV4 } from './ip.js';
import { QueryError, type QueryView, tag, wrap } from './query.js';
import type { SecurityGroup, SgRule } from './world.js';

/** A rule as a request describes it, before it gets an id. */
export type RuleSpec = Omit<SgRule, 'id'>;

const PROTOCOL_ALIASES: Record<string, string> = {
  tcp: 'tcp',
  '6': 'tcp',
  udp: 'udp',
  '17': 'udp',
  icmp: 'icmp',
  '1': 'icmp',
  '-1': '-1',
  all: '-1',
};

export function normaliseProtocol(raw: string | undefined): string {
  if (raw === undefined || raw === '') {
    throw new QueryError('MissingParameter', 'The request must contain the parameter ipProtocol');
  }
  const alias = PROTOCOL_ALIASES[raw.toLowerCase()];
  if (alias) return alias;
  const number = Number(raw);
  if (Number.isInteger(number) && number >= 0 && number <= 255) return String(number);
  throw new QueryError(
    'InvalidParameterValue',
    `Invalid value '${raw}' for IP protocol. Unknown protocol.`,
  );
}

function portsFor(
  protocol: string,
  from?: number,
  to?: number,
): Pick<RuleSpec, 'fromPort' | 'toPort'> {
  if (protocol === '-1') return {};
  if (protocol === 'tcp' || protocol === 'udp') {
    if (from === undefined || to === undefined) {
      throw new QueryError(
        'InvalidParameterValue',
        'Invalid value for portRange. Must specify both from and to ports with TCP/UDP.',
      );
    }
    if (from < 0 || to > 65535 || from > to) {
      throw new QueryError(
        'InvalidParameterValue',
        `Invalid value for portRange. From port ${from} must be at most to port ${to}, ` +
          'both in 0-65535.',
      );
    }
  }
  return { fromPort: from ?? -1, toPort: to ?? -1 };
}

function checkCidr(cidr: string | undefined): string {
  if (!cidr || !isValidCidrV4(cidr)) {
    throw new QueryError('InvalidParameterValue', `CIDR block ${cidr ?? ''} is malformed`);
  }
  return cidr;
}

/** Expands `IpPermissions.N` (plus the legacy flat parameters) into one spec per source. */
export function readPermissions(query: QueryView, egress: boolean): RuleSpec[] {
  const specs: RuleSpec[] = [];
  for (const perm of query.items('IpPermissions')) {
    const protocol = normaliseProtocol(perm.str('IpProtocol'));
    const base = {
      egress,
      protocol,
      ...portsFor(protocol, perm.int('FromPort'), perm.int('ToPort')),
    };
    const before = specs.length;
    for (const range of perm.items('IpRanges')) {
      specs.push({ ...base, cidrIpv4: checkCidr(range.str('CidrIp')), ...described(range) });
    }
    for (const range of perm.items('Ipv6Ranges')) {
      const cidrIpv6 = range.str('CidrIpv6') ?? '';
      specs.push({ ...base, cidrIpv6, ...described(range) });
    }
    for (const pair of perm.items('Groups')) {
      const referencedGroupId = pair.str('GroupId') ?? pair.str('GroupName') ?? '';
      specs.push({ ...base, referencedGroupId, ...described(pair) });
    }
    for (const list of perm.items('PrefixListIds')) {
      specs.push({ ...base, prefixListId: list.str('PrefixListId') ?? '', ...described(list) });
    }
    if (specs.length === before) {
      throw new QueryError(
        'InvalidParameterValue',
        'Invalid value for IpPermissions: each permission needs a source or destination ' +
          '(IpRanges, Ipv6Ranges, UserIdGroupPairs or PrefixListIds).',
      );
    }
  }
  const flatCidr = query.str('CidrIp');
  if (flatCidr !== undefined) {
    const protocol = normaliseProtocol(query.str('IpProtocol'));
    const ports = portsFor(protocol, query.int('FromPort'), query.int('ToPort'));
    specs.push({ egress, protocol, ...ports, cidrIpv4: checkCidr(flatCidr) });
  }
  return specs;
}

function described(view: QueryView): { description?: string } {
  const description = view.str('Description');
  return description === undefined ? {} : { description };
}

export function sameRule(a: RuleSpec, b: RuleSpec): boolean {
  return (
    a.egress === b.egress &&
    a.protocol === b.protocol &&
    (a.fromPort ?? -1) === (b.fromPort ?? -1) &&
    (a.toPort ?? -1) === (b.toPort ?? -1) &&
    a.cidrIpv4 === b.cidrIpv4 &&
    a.cidrIpv6 === b.cidrIpv6 &&
    a.referencedGroupId === b.referencedGroupId &&
    a.prefixListId === b.prefixListId
  );
}

/** The wording AWS uses in `InvalidPermission.Duplicate`. */
export function describeRule(rule: RuleSpec): string {
  const peer = rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.referencedGroupId ?? rule.prefixListId ?? '?';
  const protocol = rule.protocol === '-1' ? 'ALL' : rule.protocol.toUpperCase();
  const ports =
    rule.protocol === '-1' ? '' : `, from port: ${rule.fromPort}, to port: ${rule.toPort}`;
  return `peer: ${peer}, ${protocol}${ports}, ALLOW`;
}

/** `ipPermissions` / `ipPermissionsEgress`: rules grouped by protocol and port range. */
export function permissionsXml(name: string, rules: SgRule[], ownerId: string): string {
  const groups: SgRule[][] = [];
  for (const rule of rules) {
    const group = groups.find((each) => {
      const first = each[0];
      return (
        first !== undefined &&
        first.protocol === rule.protocol &&
        first.fromPort === rule.fromPort &&
        first.toPort === rule.toPort
      );
    });
    if (group) group.push(rule);
    else groups.push([rule]);
  }
  return wrap(name, groups.map((group) => wrap('item', permissionXml(group, ownerId))).join(''));
}

function permissionXml(rules: SgRule[], ownerId: string): string {
  const first = rules[0];
  if (!first) return '';
  const ports =
    first.protocol === '-1' ? '' : tag('fromPort', first.fromPort) + tag('toPort', first.toPort);
  const entries = (pick: (rule: SgRule) => string | undefined): string =>
    rules
      .map(pick)
      .filter((entry): entry is string => entry !== undefined)
      .join('');
  return (
    tag('ipProtocol', first.protocol) +
    ports +
    wrap(
      'groups',
      entries((r) =>
        r.referencedGroupId
          ? wrap(
              'item',
              tag('description', r.description) +
                tag('userId', ownerId) +
                tag('groupId', r.referencedGroupId),
            )
          : undefined,
      ),
    ) +
    wrap(
      'ipRanges',
      entries((r) =>
        r.cidrIpv4
          ? wrap('item', tag('description', r.description) + tag('cidrIp', r.cidrIpv4))
          : undefined,
      ),
    ) +
    wrap(
      'ipv6Ranges',
      entries((r) =>
        r.cidrIpv6
          ? wrap('item', tag('description', r.description) + tag('cidrIpv6', r.cidrIpv6))
          : undefined,
      ),
    ) +
    wrap(
      'prefixListIds',
      entries((r) =>
        r.prefixListId
          ? wrap('item', tag('description', r.description) + tag('prefixListId', r.prefixListId))
          : undefined,
      ),
    )
  );
}

/** One entry of `securityGroupRuleSet` (AuthorizeSecurityGroup* answers). */
export function ruleXml(rule: SgRule, group: SecurityGroup, ownerId: string): string {
  const referenced = rule.referencedGroupId
    ? wrap('referencedGroupInfo', tag('groupId', rule.referencedGroupId) + tag('userId', ownerId))
    : '';
  return (
    tag('securityGroupRuleId', rule.id) +
    tag('groupId', group.id) +
    tag('groupOwnerId', ownerId) +
    tag('isEgress', rule.egress) +
    tag('ipProtocol', rule.protocol) +
    tag('fromPort', rule.fromPort ?? -1) +
    tag('toPort', rule.toPort ?? -1) +
    tag('cidrIpv4', rule.cidrIpv4) +
    tag('cidrIpv6', rule.cidrIpv6) +
    tag('prefixListId', rule.prefixListId) +
    referenced +
    tag('description', rule.description)
  );
}
