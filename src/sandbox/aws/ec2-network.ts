import { advertisedRanges } from '../gcp/advertised.js';
import { type AwsContext, tagFilterValues } from './common.js';
import { tagSetXml } from './ec2-groups.js';
import { usableAddresses } from './ip.js';
import {
  applyFilters,
  itemSet,
  paginate,
  QueryError,
  type QueryView,
  readFilters,
  tag,
  wrap,
} from './query.js';
import type { NetworkInterface, RouteTable, Subnet, Vpc } from './world.js';

/** Picks resources by id list (every id must exist), then filters and pages them. */
function select<T extends { id: string }>(
  all: T[],
  ids: string[],
  notFound: (id: string) => QueryError,
  query: QueryView,
  field: (resource: T, name: string) => string[] | undefined,
): { items: T[]; nextToken?: string } {
  const chosen = ids.length
    ? ids.map((id) => {
        const found = all.find((each) => each.id === id);
        if (!found) throw notFound(id);
        return found;
      })
    : all;
  const filtered = applyFilters(chosen, readFilters(query), field);
  return paginate(filtered, query.int('MaxResults'), query.str('NextToken'));
}

export function describeVpcs(ctx: AwsContext, query: QueryView): string {
  const page = select(
    ctx.region.vpcs,
    query.list('VpcId'),
    (id) => new QueryError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`),
    query,
    (vpc, name) => vpcField(ctx, vpc, name),
  );
  return (
    itemSet(
      'vpcSet',
      page.items.map((vpc) => vpcXml(ctx, vpc)),
    ) + tag('nextToken', page.nextToken)
  );
}

function vpcField(ctx: AwsContext, vpc: Vpc, name: string): string[] | undefined {
  switch (name) {
    case 'vpc-id':
      return [vpc.id];
    case 'cidr':
    case 'cidr-block-association.cidr-block':
      return [vpc.cidr];
    case 'is-default':
      return [String(vpc.isDefault)];
    case 'state':
      return ['available'];
    case 'owner-id':
      return [ctx.accountId];
    case 'dhcp-options-id':
      return [vpc.dhcpOptionsId];
    default:
      return tagFilterValues(vpc.tags, name);
  }
}

function vpcXml(ctx: AwsContext, vpc: Vpc): string {
  return (
    tag('vpcId', vpc.id) +
    tag('ownerId', ctx.accountId) +
    tag('state', 'available') +
    tag('cidrBlock', vpc.cidr) +
    itemSet('cidrBlockAssociationSet', [
      tag('cidrBlock', vpc.cidr) +
        tag('associationId', vpc.cidrAssociationId) +
        wrap('cidrBlockState', tag('state', 'associated')),
    ]) +
    tag('dhcpOptionsId', vpc.dhcpOptionsId) +
    (vpc.tags.length ? tagSetXml(vpc.tags) : '') +
    tag('instanceTenancy', 'default') +
    tag('isDefault', vpc.isDefault)
  );
}

export function describeSubnets(ctx: AwsContext, query: QueryView): string {
  const page = select(
    ctx.region.subnets,
    query.list('SubnetId'),
    (id) => new QueryError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`),
    query,
    (subnet, name) => subnetField(ctx, subnet, name),
  );
  return (
    itemSet(
      'subnetSet',
      page.items.map((subnet) => subnetXml(ctx, subnet)),
    ) + tag('nextToken', page.nextToken)
  );
}

function zoneId(ctx: AwsContext, zone: string): string {
  return ctx.region.availabilityZones.find((each) => each.name === zone)?.zoneId ?? '';
}

function subnetField(ctx: AwsContext, subnet: Subnet, name: string): string[] | undefined {
  switch (name) {
    case 'subnet-id':
      return [subnet.id];
    case 'vpc-id':
      return [subnet.vpcId];
    case 'availability-zone':
    case 'availabilityZone':
      return [subnet.availabilityZone];
    case 'availability-zone-id':
      return [zoneId(ctx, subnet.availabilityZone)];
    case 'cidr-block':
    case 'cidr':
    case 'cidrBlock':
      return [subnet.cidr];
    case 'state':
      return ['available'];
    case 'default-for-az':
      return ['false'];
    case 'owner-id':
      return [ctx.accountId];
    default:
      return tagFilterValues(subnet.tags, name);
  }
}

function subnetXml(ctx: AwsContext, subnet: Subnet): string {
  const used = ctx.region.networkInterfaces.filter((eni) => eni.subnetId === subnet.id).length;
  return (
    tag('subnetId', subnet.id) +
    tag('subnetArn', `arn:aws:ec2:${ctx.regionName}:${ctx.accountId}:subnet/${subnet.id}`) +
    tag('state', 'available') +
    tag('ownerId', ctx.accountId) +
    tag('vpcId', subnet.vpcId) +
    tag('cidrBlock', subnet.cidr) +
    tag('availableIpAddressCount', usableAddresses(subnet.cidr).length - used) +
    tag('availabilityZone', subnet.availabilityZone) +
    tag('availabilityZoneId', zoneId(ctx, subnet.availabilityZone)) +
    tag('defaultForAz', false) +
    tag('mapPublicIpOnLaunch', false) +
    tag('assignIpv6AddressOnCreation', false) +
    (subnet.tags.length ? tagSetXml(subnet.tags) : '')
  );
}

export function describeAvailabilityZones(ctx: AwsContext, query: QueryView): string {
  const names = query.list('ZoneName');
  const ids = query.list('ZoneId');
  let zones = ctx.region.availabilityZones;
  for (const wanted of [...names, ...ids]) {
    if (!zones.some((zone) => zone.name === wanted || zone.zoneId === wanted)) {
      throw new QueryError(
        'InvalidParameterValue',
        `The zone '${wanted}' does not exist in region ${ctx.regionName}.`,
      );
    }
  }
  if (names.length || ids.length) {
    zones = zones.filter((zone) => names.includes(zone.name) || ids.includes(zone.zoneId));
  }
  const fields: Record<string, (zone: { name: string; zoneId: string }) => string> = {
    'zone-name': (zone) => zone.name,
    'zone-id': (zone) => zone.zoneId,
    'region-name': () => ctx.regionName,
    state: () => 'available',
    'zone-type': () => 'availability-zone',
    'opt-in-status': () => 'opt-in-not-required',
    'group-name': () => ctx.regionName,
  };
  const filtered = applyFilters(zones, readFilters(query), (zone, name) => {
    const pick = fields[name];
    return pick ? [pick(zone)] : undefined;
  });
  return itemSet(
    'availabilityZoneInfo',
    filtered.map(
      (zone) =>
        tag('zoneName', zone.name) +
        tag('zoneState', 'available') +
        tag('regionName', ctx.regionName) +
        tag('zoneId', zone.zoneId) +
        tag('zoneType', 'availability-zone') +
        tag('optInStatus', 'opt-in-not-required') +
        tag('groupName', ctx.regionName) +
        tag('networkBorderGroup', ctx.regionName) +
        wrap('messageSet', ''),
    ),
  );
}

interface RouteView {
  destination: string;
  gatewayId: string;
  origin: 'CreateRouteTable' | 'CreateRoute' | 'EnableVgwRoutePropagation';
  /** `blackhole` for a static route through a virtual private gateway that is gone. */
  state: 'active' | 'blackhole';
}

/**
 * A static route's state as EC2 reports it. Of the targets a route can name, the sandbox
 * models only the VPC itself and virtual private gateways: a route through a VGW that no
 * longer exists, or is no longer attached to the VPC, is a blackhole. Other targets
 * (internet gateways, NAT gateways, peering) are not modelled and read as active.
 */
function staticRouteState(
  ctx: AwsContext,
  table: RouteTable,
  gatewayId: string,
): RouteView['state'] {
  if (!gatewayId.startsWith('vgw-')) return 'active';
  const attached = ctx.region.vpnGateways.some(
    (gateway) => gateway.id === gatewayId && gateway.vpcId === table.vpcId,
  );
  return attached ? 'active' : 'blackhole';
}

/**
 * The routes a table holds now: its own, plus one per range the GCP Cloud Router advertises
 * over the VPN for every VGW the table propagates (a static route to the same range wins).
 */
export function routesOf(ctx: AwsContext, table: RouteTable): RouteView[] {
  const own: RouteView[] = table.routes.map((route) => ({
    destination: route.destination,
    gatewayId: route.gatewayId,
    origin: route.gatewayId === 'local' ? 'CreateRouteTable' : 'CreateRoute',
    state: staticRouteState(ctx, table, route.gatewayId),
  }));
  const attached = table.propagatingVgws.filter((vgw) =>
    ctx.region.vpnGateways.some((gateway) => gateway.id === vgw && gateway.vpcId === table.vpcId),
  );
  const ranges = advertisedRanges(ctx.world.gcp);
  const propagated: RouteView[] = attached.flatMap((vgw) =>
    ranges
      .filter((range) => !own.some((route) => route.destination === range))
      .map((range) => ({
        destination: range,
        gatewayId: vgw,
        origin: 'EnableVgwRoutePropagation' as const,
        state: 'active' as const,
      })),
  );
  return [...own, ...propagated];
}

export function describeRouteTables(ctx: AwsContext, query: QueryView): string {
  const page = select(
    ctx.region.routeTables,
    query.list('RouteTableId'),
    (id) =>
      new QueryError('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`),
    query,
    (table, name) => routeTableField(ctx, table, name),
  );
  return (
    itemSet(
      'routeTableSet',
      page.items.map((table) => routeTableXml(ctx, table)),
    ) + tag('nextToken', page.nextToken)
  );
}

function routeTableField(ctx: AwsContext, table: RouteTable, name: string): string[] | undefined {
  const routes = () => routesOf(ctx, table);
  switch (name) {
    case 'route-table-id':
      return [table.id];
    case 'vpc-id':
      return [table.vpcId];
    case 'association.subnet-id':
      return table.subnetAssociations.map((assoc) => assoc.subnetId);
    case 'association.main':
      return [String(table.main)];
    case 'association.route-table-association-id':
      return [...table.subnetAssociations.map((a) => a.id), table.mainAssociationId ?? ''];
    case 'route.destination-cidr-block':
      return routes().map((route) => route.destination);
    case 'route.gateway-id':
      return routes().map((route) => route.gatewayId);
    case 'route.origin':
      return routes().map((route) => route.origin);
    case 'route.state':
      return routes().map((route) => route.state);
    case 'owner-id':
      return [ctx.accountId];
    default:
      return tagFilterValues(table.tags, name);
  }
}

function routeTableXml(ctx: AwsContext, table: RouteTable): string {
  const associated = (inner: string) =>
    inner + tag('routeTableId', table.id) + wrap('associationState', tag('state', 'associated'));
  const associations = table.subnetAssociations.map((assoc) =>
    associated(
      tag('main', false) +
        tag('routeTableAssociationId', assoc.id) +
        tag('subnetId', assoc.subnetId),
    ),
  );
  if (table.main && table.mainAssociationId) {
    associations.unshift(
      associated(tag('main', true) + tag('routeTableAssociationId', table.mainAssociationId)),
    );
  }
  return (
    tag('routeTableId', table.id) +
    tag('vpcId', table.vpcId) +
    tag('ownerId', ctx.accountId) +
    itemSet(
      'routeSet',
      routesOf(ctx, table).map(
        (route) =>
          tag('destinationCidrBlock', route.destination) +
          tag('gatewayId', route.gatewayId) +
          tag('state', route.state) +
          tag('origin', route.origin),
      ),
    ) +
    itemSet('associationSet', associations) +
    itemSet(
      'propagatingVgwSet',
      table.propagatingVgws.map((vgw) => tag('gatewayId', vgw)),
    ) +
    (table.tags.length ? tagSetXml(table.tags) : '')
  );
}

export function describeNetworkInterfaces(ctx: AwsContext, query: QueryView): string {
  const page = select(
    ctx.region.networkInterfaces,
    query.list('NetworkInterfaceId'),
    (id) =>
      new QueryError(
        'InvalidNetworkInterfaceID.NotFound',
        `The networkInterface ID '${id}' does not exist`,
      ),
    query,
    (eni, name) => eniField(ctx, eni, name),
  );
  return (
    itemSet(
      'networkInterfaceSet',
      page.items.map((eni) => eniXml(ctx, eni)),
    ) + tag('nextToken', page.nextToken)
  );
}

function groupNames(ctx: AwsContext, eni: NetworkInterface): string[] {
  return eni.groupIds.map(
    (id) => ctx.region.securityGroups.find((group) => group.id === id)?.name ?? '',
  );
}

function eniField(ctx: AwsContext, eni: NetworkInterface, name: string): string[] | undefined {
  switch (name) {
    case 'network-interface-id':
      return [eni.id];
    case 'subnet-id':
      return [eni.subnetId];
    case 'vpc-id':
      return [eni.vpcId];
    case 'group-id':
      return eni.groupIds;
    case 'group-name':
      return groupNames(ctx, eni);
    case 'description':
      return [eni.description];
    case 'private-ip-address':
    case 'addresses.private-ip-address':
      return [eni.privateIp];
    case 'status':
      return [eni.status];
    case 'availability-zone':
      return [eni.availabilityZone];
    case 'requester-id':
      return eni.requesterId ? [eni.requesterId] : [];
    case 'requester-managed':
      return [String(eni.requesterId !== undefined)];
    case 'interface-type':
      return ['interface'];
    case 'owner-id':
      return [ctx.accountId];
    default:
      return tagFilterValues(eni.tags, name);
  }
}

function eniXml(ctx: AwsContext, eni: NetworkInterface): string {
  const names = groupNames(ctx, eni);
  return (
    tag('networkInterfaceId', eni.id) +
    tag('subnetId', eni.subnetId) +
    tag('vpcId', eni.vpcId) +
    tag('availabilityZone', eni.availabilityZone) +
    tag('description', eni.description) +
    tag('ownerId', ctx.accountId) +
    tag('requesterId', eni.requesterId) +
    tag('requesterManaged', eni.requesterId !== undefined) +
    tag('status', eni.status) +
    tag('macAddress', eni.macAddress) +
    tag('privateIpAddress', eni.privateIp) +
    tag('sourceDestCheck', true) +
    tag('interfaceType', 'interface') +
    itemSet(
      'groupSet',
      eni.groupIds.map((id, i) => tag('groupId', id) + tag('groupName', names[i])),
    ) +
    itemSet('privateIpAddressesSet', [
      tag('privateIpAddress', eni.privateIp) + tag('primary', true),
    ]) +
    wrap('ipv6AddressesSet', '') +
    (eni.tags.length ? tagSetXml(eni.tags) : wrap('tagSet', ''))
  );
}
