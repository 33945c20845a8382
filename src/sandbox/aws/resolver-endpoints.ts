import type { AwsContext } from './common.js';
import { cidrContains, isReservedInSubnet, usableAddresses } from './ip.js';
import { advanceAws, LATENCY_MS } from './lifecycle.js';
import {
  checkName,
  endpointJson,
  filterBy,
  type Input,
  ipJson,
  type Json,
  page,
  ResolverError,
  readResolverFilters,
  readTagList,
  resolverArn,
} from './resolver-common.js';
import type { EndpointIp, NetworkInterface, ResolverEndpoint, Subnet } from './world.js';

const DIRECTIONS = ['INBOUND', 'OUTBOUND'] as const;

interface IpRequest {
  subnet: Subnet;
  ip?: string;
}

export function findEndpoint(ctx: AwsContext, id: string): ResolverEndpoint {
  const endpoint = ctx.region.resolverEndpoints.find((each) => each.id === id);
  if (!endpoint) {
    throw new ResolverError(
      'ResourceNotFoundException',
      `Resolver endpoint with ID '${id}' does not exist.`,
      { ResourceType: 'ResolverEndpoint' },
    );
  }
  return endpoint;
}

export function createResolverEndpoint(ctx: AwsContext, input: Input): Json {
  const creatorRequestId = input.string('CreatorRequestId');
  const name = input.optionalString('Name', 64);
  checkName(name);
  const direction = input.enumOf('Direction', DIRECTIONS);
  const groupIds = input.strings('SecurityGroupIds');
  if (!groupIds)
    throw new ResolverError(
      'ValidationException',
      "1 validation error detected: Value null at 'securityGroupIds' failed to satisfy " +
        'constraint: Member must not be null',
    );
  const requested = input.objects('IpAddresses') ?? [];
  if (requested.length > 20) {
    throw new ResolverError(
      'ValidationException',
      "1 validation error detected: Value at 'ipAddresses' failed to satisfy constraint: " +
        'Member must have length less than or equal to 20',
    );
  }
  const tags = readTagList(input);
  if (ctx.region.resolverEndpoints.some((e) => e.creatorRequestId === creatorRequestId)) {
    throw new ResolverError(
      'ResourceExistsException',
      `Resolver endpoint with creator request ID '${creatorRequestId}' already exists`,
      { ResourceType: 'ResolverEndpoint' },
    );
  }
  if (requested.length < 2) {
    throw new ResolverError(
      'InvalidRequestException',
      'Resolver endpoint needs to have at least 2 IP addresses',
    );
  }
  const vpcId = checkGroups(ctx, groupIds);
  const ipRequests = requested.map((entry) => ({
    subnet: findSubnet(ctx, entry.string('SubnetId', 32)),
    ip: entry.optionalString('Ip', 36),
  }));
  checkSameVpc(ipRequests, vpcId);
  const id = `rslvr-${direction === 'INBOUND' ? 'in' : 'out'}-${ctx.env.hex(17)}`;
  const addresses = allocate(ctx, id, ipRequests, groupIds);
  const endpoint: ResolverEndpoint = {
    id,
    arn: resolverArn(ctx, 'resolver-endpoint', id),
    creatorRequestId,
    ...(name === undefined ? {} : { name }),
    direction,
    securityGroupIds: groupIds,
    hostVpcId: vpcId,
    ipAddresses: addresses,
    status: 'CREATING',
    statusMessage: `[Trace id: 1-${ctx.env.hex(8)}] Creating the Resolver Endpoint`,
    createdAt: ctx.now,
    modifiedAt: ctx.now,
    readyAt: ctx.now + ctx.env.work(LATENCY_MS.endpointCreate),
    tags,
  };
  ctx.region.resolverEndpoints.push(endpoint);
  advanceAws(ctx.world, ctx.now);
  return { ResolverEndpoint: endpointJson(endpoint) };
}

/** Every group must exist and all must share one VPC; returns that VPC. */
function checkGroups(ctx: AwsContext, groupIds: string[]): string {
  if (groupIds.length === 0 || groupIds.length > 10) {
    throw new ResolverError(
      'InvalidParameterException',
      'Between 1 and 10 security groups are required',
      { FieldName: 'SecurityGroupIds' },
    );
  }
  const vpcs = new Set<string>();
  for (const groupId of groupIds) {
    const group = ctx.region.securityGroups.find((each) => each.id === groupId);
    if (!group) {
      throw new ResolverError(
        'ResourceNotFoundException',
        `The security group '${groupId}' does not exist`,
        { ResourceType: 'SecurityGroup' },
      );
    }
    vpcs.add(group.vpcId);
  }
  if (vpcs.size > 1) {
    throw new ResolverError(
      'InvalidRequestException',
      'The security groups of a Resolver endpoint must all belong to the same VPC',
    );
  }
  return [...vpcs][0] ?? '';
}

function findSubnet(ctx: AwsContext, subnetId: string): Subnet {
  const subnet = ctx.region.subnets.find((each) => each.id === subnetId);
  if (!subnet) {
    throw new ResolverError(
      'InvalidParameterException',
      `The subnet ID '${subnetId}' does not exist`,
      { FieldName: 'IpAddresses' },
    );
  }
  return subnet;
}

function checkSameVpc(requests: IpRequest[], vpcId: string): void {
  const other = requests.find((request) => request.subnet.vpcId !== vpcId);
  if (other) {
    throw new ResolverError(
      'InvalidRequestException',
      `Subnet '${other.subnet.id}' is in VPC '${other.subnet.vpcId}', but the security groups ` +
        `are in VPC '${vpcId}'. The subnets and security groups of a Resolver endpoint must ` +
        'be in the same VPC.',
    );
  }
}

function takenIps(ctx: AwsContext, subnetId: string): Set<string> {
  return new Set(
    ctx.region.networkInterfaces
      .filter((eni) => eni.subnetId === subnetId)
      .map((eni) => eni.privateIp),
  );
}

/** Checks or picks each address, then gives each one an ENI carrying the groups. */
function allocate(
  ctx: AwsContext,
  endpointId: string,
  requests: IpRequest[],
  groupIds: string[],
): EndpointIp[] {
  const chosen: { subnet: Subnet; ip: string }[] = [];
  const inUse = (subnet: Subnet, ip: string) =>
    takenIps(ctx, subnet.id).has(ip) ||
    chosen.some((c) => c.subnet.id === subnet.id && c.ip === ip);
  for (const request of requests.filter((r) => r.ip !== undefined)) {
    const ip = request.ip ?? '';
    if (!cidrContains(request.subnet.cidr, ip) || isReservedInSubnet(request.subnet.cidr, ip)) {
      throw new ResolverError(
        'InvalidRequestException',
        `[RSLVR-00405] IP address '${ip}' is either not in subnet '${request.subnet.id}' ` +
          'CIDR range or is reserved',
      );
    }
    if (inUse(request.subnet, ip)) {
      throw new ResolverError(
        'ResourceExistsException',
        `The IP address '${ip}' in subnet '${request.subnet.id}' is already in use`,
        { ResourceType: 'IpAddress' },
      );
    }
    chosen.push({ subnet: request.subnet, ip });
  }
  for (const request of requests.filter((r) => r.ip === undefined)) {
    const free = usableAddresses(request.subnet.cidr).filter((ip) => !inUse(request.subnet, ip));
    const pick = free[Number.parseInt(ctx.env.hex(6), 16) % Math.max(free.length, 1)];
    if (!pick) {
      throw new ResolverError(
        'InvalidRequestException',
        `Subnet '${request.subnet.id}' has no free IP address`,
      );
    }
    chosen.push({ subnet: request.subnet, ip: pick });
  }
  return chosen.map(({ subnet, ip }) => attach(ctx, endpointId, subnet, ip, groupIds));
}

function attach(
  ctx: AwsContext,
  endpointId: string,
  subnet: Subnet,
  ip: string,
  groupIds: string[],
): EndpointIp {
  const ipId = `rni-${ctx.env.hex(17)}`;
  const mac = ['02', ...Array.from({ length: 5 }, () => ctx.env.hex(2))].join(':');
  const eni: NetworkInterface = {
    id: `eni-${ctx.env.hex(17)}`,
    subnetId: subnet.id,
    vpcId: subnet.vpcId,
    availabilityZone: subnet.availabilityZone,
    privateIp: ip,
    macAddress: mac,
    groupIds: [...groupIds],
    description: `Route 53 Resolver: ${endpointId}:${ipId}`,
    status: 'in-use',
    requesterId: 'route53resolver.amazonaws.com',
    ownerEndpointId: endpointId,
    tags: [],
  };
  ctx.region.networkInterfaces.push(eni);
  return { ipId, subnetId: subnet.id, ip, networkInterfaceId: eni.id };
}

export function getResolverEndpoint(ctx: AwsContext, input: Input): Json {
  return {
    ResolverEndpoint: endpointJson(findEndpoint(ctx, input.string('ResolverEndpointId', 64))),
  };
}

export function deleteResolverEndpoint(ctx: AwsContext, input: Input): Json {
  const endpoint = findEndpoint(ctx, input.string('ResolverEndpointId', 64));
  const rules = ctx.region.resolverRules.filter((rule) => rule.resolverEndpointId === endpoint.id);
  if (rules.length > 0) {
    throw new ResolverError(
      'InvalidRequestException',
      '[RSLVR-00600] Cannot delete resolver endpoint unless its related resolver rules are ' +
        'deleted. The following rules still exist for this resolver endpoint: ' +
        rules.map((rule) => `"${rule.id}"`).join(', '),
    );
  }
  if (endpoint.status !== 'DELETING') {
    endpoint.status = 'DELETING';
    endpoint.statusMessage = `[Trace id: 1-${ctx.env.hex(8)}] Deleting the Resolver Endpoint`;
    endpoint.modifiedAt = ctx.now;
    endpoint.goneAt = ctx.now + ctx.env.work(LATENCY_MS.endpointDelete);
    delete endpoint.readyAt;
  }
  const answer = { ResolverEndpoint: endpointJson(endpoint) };
  advanceAws(ctx.world, ctx.now);
  return answer;
}

export function listResolverEndpoints(ctx: AwsContext, input: Input): Json {
  const matching = filterBy(ctx.region.resolverEndpoints, readResolverFilters(input), {
    CreatorRequestId: (e) => [e.creatorRequestId],
    Direction: (e) => [e.direction],
    HostVPCId: (e) => [e.hostVpcId],
    IpAddressCount: (e) => [String(e.ipAddresses.length)],
    Name: (e) => (e.name === undefined ? [] : [e.name]),
    SecurityGroupIds: (e) => e.securityGroupIds,
    Status: (e) => [e.status],
    ResolverEndpointType: () => ['IPV4'],
  });
  const { items, extra } = page(matching, input);
  return { ...extra, ResolverEndpoints: items.map(endpointJson) };
}

export function listResolverEndpointIpAddresses(ctx: AwsContext, input: Input): Json {
  const endpoint = findEndpoint(ctx, input.string('ResolverEndpointId', 64));
  const { items, extra } = page(endpoint.ipAddresses, input);
  return { ...extra, IpAddresses: items.map((ip) => ipJson(endpoint, ip)) };
}
