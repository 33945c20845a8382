import type { SandboxResult } from '../../types.js';
import {
  alreadyExists,
  bodyOf,
  fingerprint,
  GoogleApiError,
  invalid,
  json,
  notFound,
  numericId,
  objectList,
  stringField,
  stringMap,
  timestamp,
} from '../http.js';
import { requireService } from '../serviceusage.js';
import type {
  AddressRecord,
  ForwardingRuleRecord,
  ServiceDirectoryRegistration,
} from '../world.js';
import { checkNetwork } from './addresses.js';
import {
  type ComputeContext,
  checkName,
  compact,
  globalRef,
  link,
  listAnswer,
  REGIONS,
  resourceNotReady,
  resourcePath,
} from './common.js';
import { ensureReady, replay, startOperation } from './operations.js';

/** Targets of a Private Service Connect endpoint for Google APIs. */
const GOOGLE_API_BUNDLES = ['all-apis', 'vpc-sc'];
/** Names of PSC endpoints for Google APIs: 1–20 lowercase letters and digits. */
const ENDPOINT_NAME = /^[a-z][a-z0-9]{0,19}$/;

function ruleView(ctx: ComputeContext, rule: ForwardingRuleRecord) {
  const { env, project } = ctx;
  return compact({
    kind: 'compute#forwardingRule',
    id: rule.id,
    creationTimestamp: timestamp(rule.createdAt),
    name: rule.name,
    description: rule.description || undefined,
    IPAddress: rule.ipAddress,
    target: rule.target,
    selfLink: link(env, project, `global/forwardingRules/${rule.name}`),
    network: link(env, project, `global/networks/${rule.network}`),
    fingerprint: rule.fingerprint,
    labelFingerprint: '42WmSpB8rSM=',
    pscConnectionId: rule.pscConnectionId,
    pscConnectionStatus: 'ACCEPTED',
    serviceDirectoryRegistrations: rule.serviceDirectoryRegistrations,
  });
}

export function getForwardingRule(ctx: ComputeContext): SandboxResult {
  const name = ctx.params.forwardingRule ?? '';
  const rule = ctx.project.forwardingRules[name];
  if (!rule) {
    const path = resourcePath(ctx.project, `global/forwardingRules/${name}`);
    throw notFound(`The resource '${path}' was not found`);
  }
  return json(200, ruleView(ctx, rule));
}

export function listForwardingRules(ctx: ComputeContext): SandboxResult {
  const views = Object.values(ctx.project.forwardingRules).map((each) => ruleView(ctx, each));
  return listAnswer(ctx, 'compute#forwardingRuleList', 'global/forwardingRules', views);
}

export function insertForwardingRule(ctx: ComputeContext): SandboxResult {
  const replayed = replay(ctx);
  if (replayed) return replayed;

  const body = bodyOf(ctx.req);
  checkPscEndpointShape(body);
  const name = checkName(stringField(body, 'name'), ENDPOINT_NAME, '[a-z][a-z0-9]{0,19}');
  const relative = `global/forwardingRules/${name}`;
  if (ctx.project.forwardingRules[name]) {
    throw alreadyExists(`The resource '${resourcePath(ctx.project, relative)}' already exists`);
  }
  requireService(ctx.project, 'servicedirectory.googleapis.com', ctx.env.now());
  const network = checkNetwork(ctx, stringField(body, 'network') ?? '', 'resource.network');
  const address = endpointAddress(ctx, stringField(body, 'IPAddress') ?? '', network);

  const rule: ForwardingRuleRecord = {
    id: numericId(ctx.env),
    name,
    createdAt: ctx.env.now(),
    description: stringField(body, 'description') ?? '',
    ipAddress: address.address,
    addressName: address.name,
    target: stringField(body, 'target') ?? '',
    network,
    pscConnectionId: numericId(ctx.env),
    serviceDirectoryRegistrations: registrations(body, name),
    fingerprint: fingerprint(ctx.env),
  };
  ctx.project.forwardingRules[name] = rule;
  address.users.push(relative);
  if (address.status === 'RESERVED') address.status = 'IN_USE';
  return startOperation(ctx, {
    operationType: 'insert',
    targetLink: relative,
    targetId: rule.id,
    durationMs: [5_000, 15_000],
  });
}

/**
 * The emulator models global forwarding rules only as PSC endpoints for Google APIs; the
 * load-balancer kinds (target proxies) are not emulated and say so.
 */
function checkPscEndpointShape(body: Record<string, unknown>): void {
  const target = stringField(body, 'target') ?? '';
  if (!GOOGLE_API_BUNDLES.includes(target)) {
    throw new GoogleApiError(
      501,
      'notImplemented',
      `The psc-bridge sandbox emulates global forwarding rules only as Private Service ` +
        `Connect endpoints for Google APIs (target all-apis or vpc-sc), not '${target}'.`,
    );
  }
  const scheme = stringField(body, 'loadBalancingScheme') ?? '';
  if (scheme !== '') {
    throw invalid(
      `Invalid value for field 'resource.loadBalancingScheme': '${scheme}'. ` +
        'This field should not be set for a forwarding rule targeting Google APIs.',
    );
  }
  const labels = stringMap(body.labels);
  if (Object.keys(labels).length > 0) {
    throw invalid(
      `Invalid value for field 'resource.labels': '${JSON.stringify(labels)}'. ` +
        'This field should not be set.',
    );
  }
}

/** `IPAddress` names a global PSC address of the network, by link, name or IP. */
function endpointAddress(ctx: ComputeContext, value: string, network: string): AddressRecord {
  const field = 'resource.IPAddress';
  const all = Object.values(ctx.project.globalAddresses);
  const address = /^\d+\.\d+\.\d+\.\d+$/.test(value)
    ? all.find((each) => each.address === value && each.network === network)
    : ctx.project.globalAddresses[globalRef(ctx.project, value, 'addresses', field)];
  if (!address) {
    throw invalid(
      `Invalid value for field '${field}': '${value}'. No global address with purpose ` +
        `PRIVATE_SERVICE_CONNECT matches it in network '${network}'.`,
    );
  }
  if (address.purpose !== 'PRIVATE_SERVICE_CONNECT' || address.network !== network) {
    throw invalid(
      `Invalid value for field '${field}': '${value}'. The address must have purpose ` +
        `PRIVATE_SERVICE_CONNECT and belong to network '${network}'.`,
    );
  }
  if (address.status === 'RESERVING') {
    throw resourceNotReady(ctx.project, `global/addresses/${address.name}`);
  }
  if (address.users.length > 0) {
    const path = resourcePath(ctx.project, `global/addresses/${address.name}`);
    throw new GoogleApiError(
      400,
      'resourceInUseByAnotherResource',
      `The address resource '${path}' is already being used by ` +
        `'${resourcePath(ctx.project, address.users[0] ?? '')}'`,
    );
  }
  return address;
}

function registrations(
  body: Record<string, unknown>,
  name: string,
): ServiceDirectoryRegistration[] {
  const given = objectList(body.serviceDirectoryRegistrations);
  if (given.length > 1) {
    throw invalid(
      "Invalid value for field 'resource.serviceDirectoryRegistrations': at most one " +
        'registration is allowed.',
    );
  }
  return given.map((each) => {
    const region = stringField(each, 'serviceDirectoryRegion') ?? '';
    if (!REGIONS.includes(region)) {
      throw invalid(
        'Invalid value for field ' +
          `'resource.serviceDirectoryRegistrations[0].serviceDirectoryRegion': '${region}'.`,
      );
    }
    return {
      namespace: stringField(each, 'namespace') ?? 'goog-psc-default',
      service: stringField(each, 'service') ?? name,
      serviceDirectoryRegion: region,
    };
  });
}

export function deleteForwardingRule(ctx: ComputeContext): SandboxResult {
  const replayed = replay(ctx);
  if (replayed) return replayed;

  const name = ctx.params.forwardingRule ?? '';
  const relative = `global/forwardingRules/${name}`;
  const rule = ctx.project.forwardingRules[name];
  if (!rule) throw notFound(`The resource '${resourcePath(ctx.project, relative)}' was not found`);
  ensureReady(ctx, relative);
  return startOperation(ctx, {
    operationType: 'delete',
    targetLink: relative,
    targetId: rule.id,
    effect: { kind: 'delete', collection: 'forwardingRules', key: name },
    durationMs: [5_000, 15_000],
  });
}
