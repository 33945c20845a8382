import type { Filter, IpAddressResponse, ResolverEndpoint } from '@aws-sdk/client-route53resolver';
import type { PartialConfig } from '../../config/fields.js';
import { CloudError, UserError } from '../../errors.js';
import { stepInfo } from '../catalog.js';
import type { CloudStep } from '../load.js';
import { conflict, diff } from '../shared.js';
import type { ApplyResult, DestroyResult, Difference, Inspection } from '../types.js';
import {
  type AwsContext,
  actionFor,
  allPages,
  awsLine,
  call,
  elapsedText,
  hasCode,
  outputOf,
  ownTags,
  requireOutput,
  setting,
  shown,
  tagWords,
  unlessNotFound,
  untilLine,
  waitFor,
  waitGone,
  whileThereLine,
} from './common.js';

/** Real-cloud durations (multiplied by pollScale): creation takes one to a few minutes. */
const CREATE_TIMEOUT_MS = 20 * 60_000;
const DELETE_TIMEOUT_MS = 15 * 60_000;
/** ACTION_NEEDED is often transient in the first minutes: keep watching this long. */
const ACTION_NEEDED_GRACE_MS = 5 * 60_000;

/**
 * The refusal to delete an endpoint that still has rules: AWS's code, or the words moto uses
 * (the same sentence without the `[RSLVR-00600]` prefix).
 */
const RULES_REMAIN = /RSLVR-00600|Cannot delete resolver endpoint unless its related resolver rule/;

/** What psc-bridge wants the endpoint to be. */
interface Wanted {
  name: string;
  /** Unknown while create-sg has not run (inspect only). */
  groupId: string | undefined;
  subnets: string[];
}

/** An endpoint as found, with the subnets its addresses are in. */
interface Found {
  endpoint: ResolverEndpoint;
  id: string;
  ips: IpAddressResponse[];
}

export const step: CloudStep = {
  ...stepInfo('create-resolver-endpoint'),
  cloud: 'aws',

  async inspect(ctx): Promise<Inspection> {
    const found = await findEndpoint(ctx);
    if (!found) return { presence: 'absent', resources: {}, differences: [] };
    const differences = compare(found, wanted(ctx));
    return {
      presence: differences.length === 0 ? 'present' : 'drifted',
      resources: { resolverEndpoint: found.id },
      differences,
    };
  },

  async apply(ctx): Promise<ApplyResult> {
    const want = { ...wanted(ctx), groupId: requireOutput(ctx, 'create-sg', 'securityGroupId') };
    const notes = await checkSubnets(ctx, want.subnets);
    const found = await findEndpoint(ctx);
    if (found) refuseIfDifferent(found, want);

    const ours = found === undefined || isOurs(ctx, found.endpoint);
    const id = found?.id ?? (await createEndpoint(ctx, want));
    // An endpoint found OPERATIONAL was just read in full: no second look is needed.
    const ips =
      found?.endpoint.Status === 'OPERATIONAL' ? found.ips : await operationalIps(ctx, id);

    const action = actionFor(ctx, found !== undefined, ours);
    if (!ours) notes.push(`Adopted the existing endpoint ${id}; teardown will leave it in place.`);
    return {
      action,
      ownership: ours ? 'created' : 'adopted',
      resources: { resolverEndpoint: id },
      outputs: { resolverEndpointId: id, ips: ips.flatMap((ip) => (ip.Ip ? [ip.Ip] : [])) },
      ...(notes.length > 0 ? { notes } : {}),
    };
  },

  async destroy(ctx): Promise<DestroyResult> {
    const found = await findEndpoint(ctx);
    if (!found) return { action: 'absent' };
    if (!isOurs(ctx, found.endpoint)) {
      return {
        action: 'kept',
        notes: [`Left resolver endpoint ${found.id} in place: psc-bridge did not create it.`],
      };
    }
    await deleteEndpoint(ctx, found.id);
    await waitGone(ctx, `resolver endpoint ${found.id}`, DELETE_TIMEOUT_MS, () =>
      getEndpoint(ctx, found.id),
    );
    return { action: 'deleted' };
  },

  commands(config, direction) {
    return direction === 'apply' ? applyCommands(config) : destroyCommands(config);
  },
};

// ---------------------------------------------------------------------------------------
// Read

function wanted(ctx: AwsContext): Wanted {
  return {
    name: setting(ctx.config, 'resolverEndpointName'),
    groupId: outputOf(ctx, 'create-sg', 'securityGroupId'),
    subnets: [...setting(ctx.config, 'subnetIds')].sort(),
  };
}

/**
 * The endpoint recorded in the state; else the one made with this step's token (a crash
 * between the create call and the checkpoint); else an OUTBOUND one with the configured name
 * in the VPC.
 */
async function findEndpoint(ctx: AwsContext): Promise<Found | undefined> {
  const recorded = ctx.record.resources.resolverEndpoint;
  const token = ctx.record.tokens.create;
  let endpoint = recorded ? await getEndpoint(ctx, recorded) : undefined;
  if (!endpoint && token) {
    [endpoint] = await listEndpoints(ctx, [{ Name: 'CreatorRequestId', Values: [token] }]);
  }
  if (!endpoint) endpoint = await byName(ctx);
  if (!endpoint?.Id) return undefined;
  return { endpoint, id: endpoint.Id, ips: await listIps(ctx, endpoint.Id) };
}

async function byName(ctx: AwsContext): Promise<ResolverEndpoint | undefined> {
  const name = setting(ctx.config, 'resolverEndpointName');
  const vpcId = setting(ctx.config, 'vpcId');
  const candidates = await listEndpoints(ctx, [
    { Name: 'Name', Values: [name] },
    { Name: 'Direction', Values: ['OUTBOUND'] },
    { Name: 'HostVPCId', Values: [vpcId] },
  ]);
  return candidates.find(
    (each) => each.Name === name && each.Direction === 'OUTBOUND' && each.HostVPCId === vpcId,
  );
}

async function getEndpoint(ctx: AwsContext, id: string): Promise<ResolverEndpoint | undefined> {
  const { GetResolverEndpointCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  const answer = await unlessNotFound(
    call('route53resolver:GetResolverEndpoint', id, () =>
      resolver.send(new GetResolverEndpointCommand({ ResolverEndpointId: id })),
    ),
  );
  return answer?.ResolverEndpoint;
}

async function listEndpoints(ctx: AwsContext, filters: Filter[]): Promise<ResolverEndpoint[]> {
  const { ListResolverEndpointsCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  return allPages(async (next) => {
    const answer = await call('route53resolver:ListResolverEndpoints', undefined, () =>
      resolver.send(new ListResolverEndpointsCommand({ Filters: filters, NextToken: next })),
    );
    return { items: answer.ResolverEndpoints, next: answer.NextToken };
  });
}

async function listIps(ctx: AwsContext, id: string): Promise<IpAddressResponse[]> {
  const { ListResolverEndpointIpAddressesCommand } = await import(
    '@aws-sdk/client-route53resolver'
  );
  const resolver = await ctx.services.resolver();
  return allPages(async (next) => {
    const answer = await call('route53resolver:ListResolverEndpointIpAddresses', id, () =>
      resolver.send(
        new ListResolverEndpointIpAddressesCommand({ ResolverEndpointId: id, NextToken: next }),
      ),
    );
    return { items: answer.IpAddresses, next: answer.NextToken };
  });
}

/**
 * Checks the subnets are in the VPC and there are at least two; returns a warning when they
 * all sit in one availability zone.
 */
async function checkSubnets(ctx: AwsContext, subnetIds: string[]): Promise<string[]> {
  if (subnetIds.length < 2) {
    throw new UserError(
      'TOO_FEW_SUBNETS',
      'A Route 53 Resolver endpoint needs at least two IP addresses, one per subnet here.',
      'Pass two or more --subnet-ids, ideally in different availability zones.',
    );
  }
  const { DescribeSubnetsCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await ctx.services.ec2();
  const answer = await call('ec2:DescribeSubnets', subnetIds.join(', '), () =>
    ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds })),
  );
  const subnets = answer.Subnets ?? [];
  const vpcId = setting(ctx.config, 'vpcId');
  const outside = subnets.filter((subnet) => subnet.VpcId !== vpcId);
  if (outside.length > 0) {
    throw new UserError(
      'SUBNET_NOT_IN_VPC',
      `${outside.map((s) => `Subnet ${s.SubnetId} is in ${s.VpcId}`).join('; ')}, not ${vpcId}.`,
      `Pass --subnet-ids from ${vpcId}.`,
    );
  }
  const zones = [...new Set(subnets.map((subnet) => subnet.AvailabilityZone))];
  if (zones.length !== 1) return [];
  return [
    `All the endpoint's subnets are in ${zones[0]}: if that zone fails, DNS forwarding to ` +
      'GCP stops. Add a subnet in another zone to --subnet-ids to spread it.',
  ];
}

/** Ours: recorded as created (or checkpointed mid-create), or made with our token. */
function isOurs(ctx: AwsContext, endpoint: ResolverEndpoint): boolean {
  const { record } = ctx;
  if (record.ownership === 'adopted') return false;
  if (record.resources.resolverEndpoint === endpoint.Id) return true;
  return record.tokens.create !== undefined && record.tokens.create === endpoint.CreatorRequestId;
}

// ---------------------------------------------------------------------------------------
// Decide

function compare(found: Found, want: Wanted): Difference[] {
  const subnets = [...new Set(found.ips.map((ip) => ip.SubnetId ?? '?'))].sort();
  const groups = [...(found.endpoint.SecurityGroupIds ?? [])].sort();
  return diff({
    direction: ['OUTBOUND', found.endpoint.Direction],
    securityGroups: [want.groupId ?? groups.join(', '), groups.join(', ')],
    subnets: [want.subnets.join(', '), subnets.join(', ')],
  });
}

function refuseIfDifferent(found: Found, want: Wanted): void {
  const differences = compare(found, want);
  if (found.endpoint.Status === 'DELETING') {
    differences.push({ field: 'status', expected: 'OPERATIONAL', actual: 'DELETING' });
  }
  if (differences.length === 0) return;
  throw conflict(
    `Resolver endpoint ${found.id} (${want.name})`,
    differences,
    'Make the endpoint use the psc-bridge security group and exactly the configured subnets, ' +
      'or choose another --resolver-endpoint-name.',
  );
}

// ---------------------------------------------------------------------------------------
// Act

async function createEndpoint(ctx: AwsContext, want: Wanted): Promise<string> {
  const token = await ctx.token('create');
  const { CreateResolverEndpointCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  let id: string | undefined;
  try {
    const answer = await call('route53resolver:CreateResolverEndpoint', want.name, () =>
      resolver.send(
        new CreateResolverEndpointCommand({
          CreatorRequestId: token,
          Name: want.name,
          Direction: 'OUTBOUND',
          SecurityGroupIds: want.groupId ? [want.groupId] : [],
          IpAddresses: want.subnets.map((SubnetId) => ({ SubnetId })),
          Tags: ownTags(want.name),
        }),
      ),
    );
    id = answer.ResolverEndpoint?.Id;
  } catch (error) {
    // A retried call whose first attempt went through: the endpoint is there under our token.
    if (!hasCode(error, 'ResourceExistsException')) throw error;
    const [mine] = await listEndpoints(ctx, [{ Name: 'CreatorRequestId', Values: [token] }]);
    if (!mine?.Id) throw error;
    id = mine.Id;
  }
  if (!id) throw new Error('CreateResolverEndpoint answered without an Id');
  await ctx.checkpoint({ resources: { resolverEndpoint: id } });
  return id;
}

/** Waits for OPERATIONAL; ACTION_NEEDED gets a grace period, then fails with each IP's status. */
async function operationalIps(ctx: AwsContext, id: string): Promise<IpAddressResponse[]> {
  await waitOperational(ctx, id);
  return listIps(ctx, id);
}

async function waitOperational(ctx: AwsContext, id: string): Promise<ResolverEndpoint> {
  const grace = ACTION_NEEDED_GRACE_MS * ctx.services.pollScale;
  let stuckSince: number | undefined;
  return waitFor(
    ctx,
    `resolver endpoint ${id} to be OPERATIONAL`,
    CREATE_TIMEOUT_MS,
    async (ms) => {
      const endpoint = await getEndpoint(ctx, id);
      const status = endpoint?.Status ?? 'GONE';
      ctx.progress(`${status} ${elapsedText(ms)}`);
      if (status === 'OPERATIONAL') return endpoint;
      if (status === 'GONE' || status === 'DELETING') throw vanished(id, status);
      stuckSince = status === 'ACTION_NEEDED' ? (stuckSince ?? ms) : undefined;
      if (stuckSince !== undefined && ms - stuckSince >= grace) {
        throw await actionNeeded(ctx, id, endpoint?.StatusMessage, ms);
      }
      return undefined;
    },
  );
}

function vanished(id: string, status: string): CloudError {
  return new CloudError(
    'ENDPOINT_GONE',
    `Resolver endpoint ${id} is ${status === 'GONE' ? 'gone' : 'being deleted'} while ` +
      'psc-bridge waited for it to be OPERATIONAL.',
    { cloud: 'aws', api: 'route53resolver:GetResolverEndpoint', resource: id },
    'Someone else removed it: run the step again to create a new one.',
  );
}

async function actionNeeded(
  ctx: AwsContext,
  id: string,
  message: string | undefined,
  ms: number,
): Promise<CloudError> {
  const ips = await listIps(ctx, id);
  const lines = ips.map(
    (ip) => `  ${ip.SubnetId} ${ip.Ip ?? '(no address)'}: ${ip.Status} ${ip.StatusMessage ?? ''}`,
  );
  return new CloudError(
    'ENDPOINT_ACTION_NEEDED',
    `Resolver endpoint ${id} has been ACTION_NEEDED for ${elapsedText(ms)} ` +
      `(${message ?? 'no message'}). Its addresses:\n${lines.join('\n')}`,
    { cloud: 'aws', api: 'route53resolver:GetResolverEndpoint', resource: id },
    'Check that each subnet has free addresses and that the security group still exists. ' +
      'Then remove the endpoint (`psc-bridge create-resolver-endpoint --destroy`) and run ' +
      'this step again.',
  );
}

async function deleteEndpoint(ctx: AwsContext, id: string): Promise<void> {
  const { DeleteResolverEndpointCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  try {
    await call('route53resolver:DeleteResolverEndpoint', id, () =>
      resolver.send(new DeleteResolverEndpointCommand({ ResolverEndpointId: id })),
    );
  } catch (error) {
    if (hasCode(error, 'ResourceNotFoundException')) return;
    if (!hasCode(error, 'InvalidRequestException', RULES_REMAIN)) throw error;
    throw new UserError(
      'ENDPOINT_IN_USE',
      `Resolver endpoint ${id} still has forwarding rules, so it cannot be deleted. ` +
        (error instanceof Error ? error.message : ''),
      'Remove the rules first (`psc-bridge create-rule --destroy`, or ' +
        '`aws route53resolver delete-resolver-rule` for rules psc-bridge did not make).',
    );
  }
}

// ---------------------------------------------------------------------------------------
// Plan

const SG_LOOKUP = (config: Readonly<PartialConfig>) =>
  `SG_ID=$(${awsLine(
    config,
    'ec2 describe-security-groups',
    `--filters Name=vpc-id,Values=${shown(config, 'vpcId')}`,
    `Name=group-name,Values=${shown(config, 'securityGroupName')}`,
    `--query 'SecurityGroups[0].GroupId' --output text`,
  )})`;

function endpointLookup(config: Readonly<PartialConfig>): string {
  return `ENDPOINT_ID=$(${awsLine(
    config,
    'route53resolver list-resolver-endpoints',
    `--filters Name=Name,Values=${shown(config, 'resolverEndpointName')}`,
    `--query 'ResolverEndpoints[0].Id' --output text`,
  )})`;
}

function applyCommands(config: Readonly<PartialConfig>): string[] {
  const name = config.resolverEndpointName ?? '<resolverEndpointName>';
  const subnets = (config.subnetIds ?? ['<subnet-a>', '<subnet-b>'])
    .map((id) => `SubnetId=${id}`)
    .join(' ');
  return [
    SG_LOOKUP(config),
    `ENDPOINT_ID=$(${awsLine(
      config,
      'route53resolver create-resolver-endpoint',
      `--name ${shown(config, 'resolverEndpointName')}`,
      '--direction OUTBOUND --creator-request-id "psc-bridge-$(date +%s)"',
      '--security-group-ids "$SG_ID"',
      `--ip-addresses ${subnets}`,
      `--tags ${tagWords(name)}`,
      `--query 'ResolverEndpoint.Id' --output text`,
    )})`,
    '# Wait for OPERATIONAL (a few minutes). ACTION_NEEDED for more than a few minutes: see ' +
      'list-resolver-endpoint-ip-addresses for each address.',
    untilLine(
      config,
      'OPERATIONAL',
      'route53resolver get-resolver-endpoint --resolver-endpoint-id "$ENDPOINT_ID"',
      `--query 'ResolverEndpoint.Status' --output text`,
    ),
  ];
}

function destroyCommands(config: Readonly<PartialConfig>): string[] {
  return [
    endpointLookup(config),
    awsLine(
      config,
      'route53resolver delete-resolver-endpoint --resolver-endpoint-id "$ENDPOINT_ID"',
    ),
    whileThereLine(
      config,
      'route53resolver get-resolver-endpoint --resolver-endpoint-id "$ENDPOINT_ID"',
    ),
  ];
}
