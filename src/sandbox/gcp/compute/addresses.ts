import type { SandboxResult } from '../../types.js';
import {
  alreadyExists,
  bodyOf,
  GoogleApiError,
  invalid,
  json,
  notFound,
  numericId,
  stringField,
  stringMap,
  timestamp,
} from '../http.js';
import { cidrContains, isIpv4 } from '../ipv4.js';
import type { AddressRecord, GcpProject } from '../world.js';
import {
  aggregatedAnswer,
  type ComputeContext,
  checkName,
  compact,
  globalRef,
  link,
  listAnswer,
  regionScopes,
  requireRegion,
  resourcePath,
} from './common.js';
import { ensureReady, replay, startOperation } from './operations.js';

const PSC = 'PRIVATE_SERVICE_CONNECT';

export function addressView(ctx: ComputeContext, address: AddressRecord) {
  const { env, project } = ctx;
  const scope = address.region ? `regions/${address.region}` : 'global';
  const subnet = address.subnetwork?.split('/');
  return compact({
    kind: 'compute#address',
    id: address.id,
    creationTimestamp: timestamp(address.createdAt),
    name: address.name,
    description: address.description || undefined,
    address: address.address,
    prefixLength: address.prefixLength,
    status: address.status,
    region: address.region ? link(env, project, `regions/${address.region}`) : undefined,
    selfLink: link(env, project, `${scope}/addresses/${address.name}`),
    users: address.users.map((user) => link(env, project, user)),
    networkTier: address.addressType === 'EXTERNAL' ? 'PREMIUM' : undefined,
    addressType: address.addressType,
    purpose: address.purpose,
    network: address.network ? link(env, project, `global/networks/${address.network}`) : undefined,
    subnetwork: subnet
      ? link(env, project, `regions/${subnet[0]}/subnetworks/${subnet[1]}`)
      : undefined,
    ipVersion: 'IPV4',
    labels: Object.keys(address.labels).length > 0 ? address.labels : undefined,
    labelFingerprint: '42WmSpB8rSM=',
  });
}

function missing(project: GcpProject, relative: string): GoogleApiError {
  return notFound(`The resource '${resourcePath(project, relative)}' was not found`);
}

export function getGlobalAddress(ctx: ComputeContext): SandboxResult {
  const name = ctx.params.address ?? '';
  const address = ctx.project.globalAddresses[name];
  if (!address) throw missing(ctx.project, `global/addresses/${name}`);
  return json(200, addressView(ctx, address));
}

export function listGlobalAddresses(ctx: ComputeContext): SandboxResult {
  const views = Object.values(ctx.project.globalAddresses).map((each) => addressView(ctx, each));
  return listAnswer(ctx, 'compute#addressList', 'global/addresses', views);
}

export function insertGlobalAddress(ctx: ComputeContext): SandboxResult {
  const replayed = replay(ctx);
  if (replayed) return replayed;

  const body = bodyOf(ctx.req);
  const name = checkName(stringField(body, 'name'));
  const relative = `global/addresses/${name}`;
  if (ctx.project.globalAddresses[name]) {
    throw alreadyExists(`The resource '${resourcePath(ctx.project, relative)}' already exists`);
  }
  const record = buildGlobalAddress(ctx, name, body);
  ctx.project.globalAddresses[name] = record;
  return startOperation(ctx, {
    operationType: 'insert',
    targetLink: relative,
    targetId: record.id,
    effect: { kind: 'ready', collection: 'globalAddresses', key: name },
    durationMs: [3_000, 8_000],
  });
}

function buildGlobalAddress(
  ctx: ComputeContext,
  name: string,
  body: Record<string, unknown>,
): AddressRecord {
  const addressType = stringField(body, 'addressType') ?? 'EXTERNAL';
  if (addressType !== 'INTERNAL' && addressType !== 'EXTERNAL') {
    throw invalid(`Invalid value for field 'resource.addressType': '${addressType}'.`);
  }
  const purpose = stringField(body, 'purpose');
  const record: AddressRecord = {
    id: numericId(ctx.env),
    name,
    createdAt: ctx.env.now(),
    description: stringField(body, 'description') ?? '',
    address: stringField(body, 'address') ?? '',
    addressType,
    purpose,
    prefixLength: typeof body.prefixLength === 'number' ? body.prefixLength : undefined,
    status: 'RESERVING',
    users: [],
    labels: stringMap(body.labels),
  };
  const network = stringField(body, 'network');
  if (network) record.network = checkNetwork(ctx, network, 'resource.network');
  if (purpose === PSC) checkPscAddress(ctx, record);
  else if (addressType === 'EXTERNAL' && record.address === '') {
    const [third, fourth] = [ctx.env.hex(2), ctx.env.hex(2)].map((hex) => Number.parseInt(hex, 16));
    record.address = `34.120.${third}.${1 + ((fourth ?? 0) % 250)}`;
  } else if (purpose !== 'VPC_PEERING' && !isIpv4(record.address)) {
    throw invalid(`Invalid value for field 'resource.address': '${record.address}'.`);
  }
  return record;
}

export function checkNetwork(ctx: ComputeContext, value: string, field: string): string {
  const name = globalRef(ctx.project, value, 'networks', field);
  if (!ctx.project.networks[name]) {
    throw missing(ctx.project, `global/networks/${name}`);
  }
  return name;
}

/**
 * A Private Service Connect endpoint address: internal, in a VPC network, an explicit IPv4
 * address outside every primary and secondary range of that network's subnets, not already
 * taken by another PSC address of the network.
 */
function checkPscAddress(ctx: ComputeContext, record: AddressRecord): void {
  const ip = record.address;
  if (record.addressType !== 'INTERNAL') {
    throw invalid(
      `Invalid value for field 'resource.addressType': '${record.addressType}'. ` +
        `Addresses with purpose ${PSC} must be INTERNAL.`,
    );
  }
  if (!record.network) {
    throw invalid(
      `Invalid value for field 'resource.network': ''. A network is required for purpose ${PSC}.`,
    );
  }
  if (!isIpv4(ip)) {
    throw invalid(
      `Invalid value for field 'resource.address': '${ip}'. An IPv4 address is required.`,
    );
  }
  for (const subnet of Object.values(ctx.project.subnetworks)) {
    if (subnet.network !== record.network) continue;
    const ranges = [subnet.ipCidrRange, ...subnet.secondaryIpRanges.map((r) => r.ipCidrRange)];
    const hit = ranges.find((range) => cidrContains(range, ip));
    if (!hit) continue;
    const where = resourcePath(ctx.project, `regions/${subnet.region}/subnetworks/${subnet.name}`);
    throw invalid(
      `Invalid value for field 'resource.address': '${ip}'. The IP address ${ip} overlaps ` +
        `with range ${hit} of subnetwork '${where}'. ${PSC} addresses must be outside ` +
        'every subnetwork range of the network.',
    );
  }
  const taken = Object.values(ctx.project.globalAddresses).find(
    (other) => other.network === record.network && other.address === ip,
  );
  if (taken) {
    throw new GoogleApiError(
      409,
      'alreadyExists',
      `IP address ${ip} is already reserved by ` +
        `'${resourcePath(ctx.project, `global/addresses/${taken.name}`)}'.`,
    );
  }
}

export function deleteGlobalAddress(ctx: ComputeContext): SandboxResult {
  const replayed = replay(ctx);
  if (replayed) return replayed;

  const name = ctx.params.address ?? '';
  const relative = `global/addresses/${name}`;
  const address = ctx.project.globalAddresses[name];
  if (!address) throw missing(ctx.project, relative);
  return deleteAddress(ctx, address, relative, 'globalAddresses', name);
}

function deleteAddress(
  ctx: ComputeContext,
  address: AddressRecord,
  relative: string,
  collection: 'globalAddresses' | 'addresses',
  key: string,
): SandboxResult {
  const path = resourcePath(ctx.project, relative);
  if (address.users.length > 0) {
    const users = address.users.map((user) => resourcePath(ctx.project, user)).join(', ');
    throw new GoogleApiError(
      400,
      'resourceInUseByAnotherResource',
      `The address resource '${path}' is already being used by '${users}'`,
    );
  }
  if (address.forwarderOf) {
    throw new GoogleApiError(
      400,
      'resourceInUseByAnotherResource',
      `The address resource '${path}' is managed by Cloud DNS (an inbound forwarder of a ` +
        'DNS server policy) and is released only when the policy stops inbound forwarding.',
    );
  }
  ensureReady(ctx, relative);
  return startOperation(ctx, {
    operationType: 'delete',
    targetLink: relative,
    targetId: address.id,
    region: address.region,
    effect: { kind: 'delete', collection, key },
    durationMs: [3_000, 8_000],
  });
}

export function getAddress(ctx: ComputeContext): SandboxResult {
  const region = ctx.params.region ?? '';
  const name = ctx.params.address ?? '';
  const address = ctx.project.addresses[`${region}/${name}`];
  if (!address) throw missing(ctx.project, `regions/${region}/addresses/${name}`);
  return json(200, addressView(ctx, address));
}

export function listAddresses(ctx: ComputeContext): SandboxResult {
  const region = ctx.params.region ?? '';
  requireRegion(region);
  const views = Object.values(ctx.project.addresses)
    .filter((address) => address.region === region)
    .map((address) => addressView(ctx, address));
  return listAnswer(ctx, 'compute#addressList', `regions/${region}/addresses`, views);
}

export function deleteRegionalAddress(ctx: ComputeContext): SandboxResult {
  const replayed = replay(ctx);
  if (replayed) return replayed;

  const region = ctx.params.region ?? '';
  const name = ctx.params.address ?? '';
  const relative = `regions/${region}/addresses/${name}`;
  const address = ctx.project.addresses[`${region}/${name}`];
  if (!address) throw missing(ctx.project, relative);
  return deleteAddress(ctx, address, relative, 'addresses', `${region}/${name}`);
}

/** Regional addresses by region, plus the global ones under `global`, like the real API. */
export function aggregatedAddresses(ctx: ComputeContext): SandboxResult {
  const scopes = regionScopes(Object.values(ctx.project.addresses), (each) =>
    addressView(ctx, each),
  );
  scopes.global = Object.values(ctx.project.globalAddresses).map((each) => addressView(ctx, each));
  return aggregatedAnswer(ctx, 'compute#addressAggregatedList', 'addresses', scopes);
}
