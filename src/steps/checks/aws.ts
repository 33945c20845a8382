import type { Route, RouteTable } from '@aws-sdk/client-ec2';
import type {
  IpAddressResponse,
  ResolverEndpoint,
  ResolverRule,
} from '@aws-sdk/client-route53resolver';
import { ipInCidr } from '../../config/network.js';
import { inOrder, READVERTISE, REBUILD_ENDPOINT } from './fixes.js';
import { type CheckInput, type CheckResult, fail, guarded, pass, recordOf } from './types.js';

/** The resolver endpoint and rule psc-bridge made (from the state, else found by name). */
export interface AwsPath {
  endpoint?: ResolverEndpoint;
  /** The endpoint's IP addresses with their subnets and statuses. */
  ips: IpAddressResponse[];
  rule?: ResolverRule;
}

export async function findAwsPath(input: CheckInput): Promise<AwsPath> {
  const sdk = await import('@aws-sdk/client-route53resolver');
  const client = await input.services.resolver();
  const byName = (name: string | undefined) => [{ Name: 'Name', Values: [name ?? ''] }];
  const endpointId = recordOf(input, 'create-resolver-endpoint')?.resources.resolverEndpoint;
  const ruleId = recordOf(input, 'create-rule')?.resources.resolverRule;
  const [endpoint, rule] = await Promise.all([
    endpointId
      ? client.send(new sdk.GetResolverEndpointCommand({ ResolverEndpointId: endpointId })).then(
          (r) => r.ResolverEndpoint,
          () => undefined,
        )
      : client
          .send(
            new sdk.ListResolverEndpointsCommand({
              Filters: byName(input.config.resolverEndpointName),
            }),
          )
          .then((r) => r.ResolverEndpoints?.[0]),
    ruleId
      ? client.send(new sdk.GetResolverRuleCommand({ ResolverRuleId: ruleId })).then(
          (r) => r.ResolverRule,
          () => undefined,
        )
      : client
          .send(
            new sdk.ListResolverRulesCommand({ Filters: byName(input.config.resolverRuleName) }),
          )
          .then((r) => r.ResolverRules?.[0]),
  ]);
  const ips = endpoint?.Id
    ? ((
        await client.send(
          new sdk.ListResolverEndpointIpAddressesCommand({ ResolverEndpointId: endpoint.Id }),
        )
      ).IpAddresses ?? [])
    : [];
  return { ...(endpoint ? { endpoint } : {}), ips, ...(rule ? { rule } : {}) };
}

/** OPERATIONAL with every IP attached, and its group lets DNS out to the rule's targets. */
export function checkEndpoint(input: CheckInput, path: Promise<AwsPath>): Promise<CheckResult> {
  const id = 'resolver-endpoint';
  const title =
    `resolver endpoint ${input.config.resolverEndpointName} is OPERATIONAL ` +
    'and may send DNS to the targets';
  // Once it exists, create-resolver-endpoint refuses an endpoint that differs: rebuild it.
  const fix = REBUILD_ENDPOINT;
  return guarded(
    id,
    title,
    async () => {
      const { endpoint, ips, rule } = await path;
      if (!endpoint?.Id) {
        return fail(
          id,
          title,
          'no such endpoint',
          `Create it and the rule on it: ${inOrder(
            'psc-bridge create-resolver-endpoint',
            'psc-bridge create-rule',
            'psc-bridge associate',
          )}.`,
        );
      }
      if (endpoint.Status !== 'OPERATIONAL') {
        const reason = `status ${endpoint.Status}: ${endpoint.StatusMessage ?? ''}`;
        const busy = ['CREATING', 'UPDATING', 'AUTO_RECOVERING'].includes(endpoint.Status ?? '');
        return fail(id, title, reason, busy ? 'Wait, then run `psc-bridge verify` again.' : fix);
      }
      const detached = ips
        .filter((ip) => ip.Status !== 'ATTACHED')
        .map((ip) => `${ip.Ip} (${ip.Status})`);
      if (detached.length > 0) {
        return fail(id, title, `IPs not attached: ${detached.join(', ')}`, fix);
      }
      if (ips.length < 2) {
        return fail(
          id,
          title,
          `only ${ips.length} IP address attached; it needs at least two`,
          fix,
        );
      }
      const targets = (rule?.TargetIps ?? []).map((t) => t.Ip ?? '').filter(Boolean);
      const blocked = await blockedTargets(input, endpoint.SecurityGroupIds ?? [], targets);
      if (blocked.length > 0) {
        return fail(
          id,
          title,
          `its security group does not allow TCP and UDP 53 out to ${blocked.join(', ')}`,
          'Run `psc-bridge create-sg`.',
        );
      }
      return pass(id, title, `${endpoint.Id}, ${endpoint.IpAddressCount} IPs attached`);
    },
    fix,
  );
}

async function blockedTargets(input: CheckInput, groupIds: string[], targets: string[]) {
  if (groupIds.length === 0) return targets;
  const { DescribeSecurityGroupsCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await input.services.ec2();
  const { SecurityGroups = [] } = await ec2.send(
    new DescribeSecurityGroupsCommand({ GroupIds: groupIds }),
  );
  const rules = SecurityGroups.flatMap((g) => g.IpPermissionsEgress ?? []);
  const allows = (protocol: string, ip: string) =>
    rules.some(
      (r) =>
        (r.IpProtocol === '-1' ||
          (r.IpProtocol === protocol && (r.FromPort ?? 0) <= 53 && (r.ToPort ?? 0) >= 53)) &&
        (r.IpRanges ?? []).some((range) => !!range.CidrIp && ipInCidr(ip, range.CidrIp)),
    );
  return targets.filter((ip) => !allows('udp', ip) || !allows('tcp', ip));
}

/** The rule is associated with the VPC and the association is COMPLETE. */
export function checkAssociation(input: CheckInput, path: Promise<AwsPath>): Promise<CheckResult> {
  const id = 'rule-association';
  const { resolverRuleName, vpcId } = input.config;
  const title = `forwarding rule ${resolverRuleName} is associated with ${vpcId}`;
  const fix = 'Run `psc-bridge associate`.';
  return guarded(
    id,
    title,
    async () => {
      const { rule } = await path;
      if (!rule?.Id) {
        const create = `Run ${inOrder('psc-bridge create-rule', 'psc-bridge associate')}.`;
        return fail(id, title, 'no such rule', create);
      }
      const { ListResolverRuleAssociationsCommand } = await import(
        '@aws-sdk/client-route53resolver'
      );
      const client = await input.services.resolver();
      const { ResolverRuleAssociations = [] } = await client.send(
        new ListResolverRuleAssociationsCommand({
          Filters: [
            { Name: 'ResolverRuleId', Values: [rule.Id] },
            { Name: 'VPCId', Values: [input.config.vpcId ?? ''] },
          ],
        }),
      );
      const association = ResolverRuleAssociations[0];
      if (!association) return fail(id, title, 'not associated', fix);
      if (association.Status !== 'COMPLETE') {
        const again = inOrder('psc-bridge associate --destroy', 'psc-bridge associate');
        const redo =
          association.Status === 'CREATING'
            ? 'Wait, then run `psc-bridge verify` again.'
            : `Associate it again: ${again}.`;
        return fail(id, title, `association ${association.Id} is ${association.Status}`, redo);
      }
      return pass(id, title, `${association.Id} COMPLETE`);
    },
    fix,
  );
}

/** The route tables of the endpoint's subnets send the /32 over a VGW-propagated route. */
export function checkVpcRoute(input: CheckInput, path: Promise<AwsPath>): Promise<CheckResult> {
  const { config } = input;
  const id = 'vpc-route';
  const title = `VPC route tables send ${config.pscIp}/32 to the VPN gateway (propagated)`;
  return guarded(
    id,
    title,
    async () => {
      const { ips } = await path;
      const fromEndpoint = [...new Set(ips.map((ip) => ip.SubnetId ?? '').filter(Boolean))];
      const subnets = fromEndpoint.length > 0 ? fromEndpoint : (config.subnetIds ?? []);
      const { DescribeRouteTablesCommand } = await import('@aws-sdk/client-ec2');
      const ec2 = await input.services.ec2();
      const { RouteTables = [] } = await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [{ Name: 'vpc-id', Values: [config.vpcId ?? ''] }],
        }),
      );
      const tableFor = (subnet: string) =>
        RouteTables.find((t) => (t.Associations ?? []).some((a) => a.SubnetId === subnet)) ??
        RouteTables.find((t) => (t.Associations ?? []).some((a) => a.Main));
      const problems = subnets.flatMap((subnet) => {
        const problem = judgeTable(config.pscIp ?? '', subnet, tableFor(subnet));
        return problem ? [problem] : [];
      });
      if (problems.length > 0) {
        return fail(
          id,
          title,
          problems.map((p) => p.reason).join('; '),
          [...new Set(problems.map((p) => p.fix))].join(' '),
        );
      }
      return pass(id, title, `propagated in the tables of ${subnets.join(', ')}`);
    },
    'Check the VPC route tables of the endpoint subnets (`aws ec2 describe-route-tables`).',
  );
}

function prefixOf(cidr: string): number {
  return Number(cidr.split('/')[1] ?? -1);
}

/**
 * The route the table uses for `ip`, as the VPC router picks it: the longest prefix wins,
 * and on a tie a static route wins over a propagated one.
 */
function routeFor(table: RouteTable, ip: string): Route | undefined {
  let best: Route | undefined;
  for (const route of table.Routes ?? []) {
    const cidr = route.DestinationCidrBlock;
    if (!cidr || !ipInCidr(ip, cidr)) continue;
    const bestPrefix = best ? prefixOf(best.DestinationCidrBlock ?? '') : -1;
    const better =
      prefixOf(cidr) > bestPrefix ||
      (prefixOf(cidr) === bestPrefix && route.Origin !== 'EnableVgwRoutePropagation');
    if (better) best = route;
  }
  return best;
}

/** Why the table does not carry the PSC IP over a propagated VGW route, or undefined. */
function judgeTable(
  ip: string,
  subnet: string,
  table: RouteTable | undefined,
): { reason: string; fix: string } | undefined {
  if (!table?.RouteTableId) {
    return { reason: `subnet ${subnet} has no route table`, fix: 'Check the VPC route tables.' };
  }
  const where = `${table.RouteTableId} (${subnet})`;
  const route = routeFor(table, ip);
  const deleteRoute = (cidr: string) =>
    `\`aws ec2 delete-route --route-table-id ${table.RouteTableId} ` +
    `--destination-cidr-block ${cidr}\``;
  if (!route?.DestinationCidrBlock) {
    const vgws = (table.PropagatingVgws ?? []).map((v) => v.GatewayId ?? '').filter(Boolean);
    if (vgws.length === 0) {
      return {
        reason: `${where}: no route to ${ip}, and the table propagates no VPN gateway`,
        fix:
          'Turn route propagation on: `aws ec2 enable-vgw-route-propagation ' +
          `--route-table-id ${table.RouteTableId} --gateway-id <vgw id>\`.`,
      };
    }
    return {
      reason: `${where}: no route to ${ip}; ${vgws.join(', ')} propagates none (not advertised)`,
      fix: READVERTISE,
    };
  }
  const cidr = route.DestinationCidrBlock;
  const target = route.GatewayId ?? route.TransitGatewayId ?? route.NatGatewayId ?? '?';
  if (route.State === 'blackhole') {
    return {
      reason: `${where}: the route ${cidr} via ${target} is a blackhole (its target is gone)`,
      fix: `Delete it (${deleteRoute(cidr)}) so the propagated route applies; check the VPN.`,
    };
  }
  if (!route.GatewayId?.startsWith('vgw-')) {
    return {
      reason: `${where}: ${ip} goes to ${target} (${cidr}), not to the VPN gateway`,
      fix: `Delete that route (${deleteRoute(cidr)}) or narrow it, so ${ip} takes the VPN.`,
    };
  }
  if (route.Origin !== 'EnableVgwRoutePropagation') {
    return {
      reason:
        `${where}: the route ${cidr} via ${target} is static (${route.Origin}), not ` +
        'propagated from the VPN, so it does not follow the BGP advertisement',
      fix: `Delete the static route (${deleteRoute(cidr)}); the propagated one takes over.`,
    };
  }
  if (route.State !== 'active') {
    return { reason: `${where}: the route ${cidr} is ${route.State}`, fix: READVERTISE };
  }
  return undefined;
}
