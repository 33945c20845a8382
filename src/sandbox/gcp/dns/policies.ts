import type { SandboxResult } from '../../types.js';
import {
  alreadyExists,
  between,
  bodyOf,
  invalid,
  json,
  noContent,
  notFound,
  numericId,
  objectList,
  stringField,
} from '../http.js';
import { isIpv4 } from '../ipv4.js';
import type { GcpProject, PolicyRecord } from '../world.js';
import { type DnsContext, listOf, networkUrl, parseNetworkUrl } from './common.js';
import { reconcileForwarders } from './forwarders.js';

const POLICY_NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
/** Realistic time before inbound forwarder addresses exist after turning forwarding on. */
const FORWARDER_SETUP_MS: [number, number] = [3_000, 7_000];

export function policyView(project: GcpProject, policy: PolicyRecord) {
  const view: Record<string, unknown> = {
    kind: 'dns#policy',
    id: policy.id,
    name: policy.name,
    description: policy.description,
    enableInboundForwarding: policy.enableInboundForwarding,
    enableLogging: policy.enableLogging,
    networks: policy.networks.map((network) => ({
      kind: 'dns#policyNetwork',
      networkUrl: networkUrl(project, network),
    })),
  };
  if (policy.targetNameServers.length > 0) {
    view.alternativeNameServerConfig = {
      kind: 'dns#policyAlternativeNameServerConfig',
      targetNameServers: policy.targetNameServers.map((server) => ({
        kind: 'dns#policyAlternativeNameServerConfigTargetNameServer',
        ...server,
      })),
    };
  }
  return view;
}

function findPolicy(ctx: DnsContext): PolicyRecord {
  const name = ctx.params.policy ?? '';
  const policy =
    ctx.project.policies[name] ??
    Object.values(ctx.project.policies).find((each) => each.id === name);
  if (policy) return policy;
  throw notFound(`The 'parameters.policy' resource named '${name}' does not exist.`);
}

export function getPolicy(ctx: DnsContext): SandboxResult {
  return json(200, policyView(ctx.project, findPolicy(ctx)));
}

export function listPolicies(ctx: DnsContext): SandboxResult {
  const views = Object.values(ctx.project.policies)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((policy) => policyView(ctx.project, policy));
  return listOf(ctx, 'dns#policiesListResponse', 'policies', views);
}

export function createPolicy(ctx: DnsContext): SandboxResult {
  const body = bodyOf(ctx.req);
  const name = stringField(body, 'name') ?? '';
  if (!POLICY_NAME.test(name)) throw invalid(`Invalid value for 'entity.policy.name': '${name}'`);
  if (ctx.project.policies[name]) {
    throw alreadyExists(`The resource 'entity.policy' named '${name}' already exists`);
  }
  const policy: PolicyRecord = {
    id: numericId(ctx.env),
    name,
    description: '',
    enableInboundForwarding: false,
    enableLogging: false,
    networks: [],
    targetNameServers: [],
  };
  applyFields(ctx, policy, body);
  ctx.project.policies[name] = policy;
  reconcileForwarders(ctx.project, ctx.env.now());
  return json(200, policyView(ctx.project, policy));
}

/** `policies.patch` merges the given fields; its answer wraps the policy (`{policy}`). */
export function patchPolicy(ctx: DnsContext): SandboxResult {
  const policy = findPolicy(ctx);
  const draft: PolicyRecord = { ...policy, networks: [...policy.networks] };
  applyFields(ctx, draft, bodyOf(ctx.req));
  Object.assign(policy, draft);
  reconcileForwarders(ctx.project, ctx.env.now());
  return json(200, { policy: policyView(ctx.project, policy) });
}

/** `policies.update` replaces the policy with the given one. */
export function updatePolicy(ctx: DnsContext): SandboxResult {
  const policy = findPolicy(ctx);
  const draft: PolicyRecord = {
    ...policy,
    description: '',
    enableInboundForwarding: false,
    enableLogging: false,
    networks: [],
    targetNameServers: [],
  };
  applyFields(ctx, draft, bodyOf(ctx.req));
  Object.assign(policy, draft);
  reconcileForwarders(ctx.project, ctx.env.now());
  return json(200, { policy: policyView(ctx.project, policy) });
}

export function deletePolicy(ctx: DnsContext): SandboxResult {
  const policy = findPolicy(ctx);
  if (policy.networks.length > 0) {
    throw invalid(
      `The policy '${policy.name}' is still bound to networks; remove them from the ` +
        'policy before deleting it.',
    );
  }
  delete ctx.project.policies[policy.name];
  reconcileForwarders(ctx.project, ctx.env.now());
  return noContent();
}

function applyFields(ctx: DnsContext, policy: PolicyRecord, body: Record<string, unknown>) {
  if (typeof body.description === 'string') policy.description = body.description;
  if (typeof body.enableLogging === 'boolean') policy.enableLogging = body.enableLogging;
  if (Array.isArray(body.networks)) policy.networks = readNetworks(ctx, policy, body.networks);
  if (typeof body.enableInboundForwarding === 'boolean') {
    const turningOn = body.enableInboundForwarding && !policy.enableInboundForwarding;
    policy.enableInboundForwarding = body.enableInboundForwarding;
    if (turningOn) {
      const [low, high] = FORWARDER_SETUP_MS;
      policy.inboundReadyAt = ctx.env.now() + between(ctx.env, low, high);
    }
    if (!body.enableInboundForwarding) policy.inboundReadyAt = undefined;
  }
  if ('alternativeNameServerConfig' in body) {
    policy.targetNameServers = readTargets(body.alternativeNameServerConfig);
  }
}

/** Networks of a policy; a network can be bound to at most one DNS server policy. */
function readNetworks(ctx: DnsContext, policy: PolicyRecord, entries: unknown[]): string[] {
  const names = objectList(entries).map((entry, index) => {
    const url = stringField(entry, 'networkUrl') ?? '';
    const field = `entity.policy.networks[${index}]`;
    const name = parseNetworkUrl(ctx.project, url, field);
    const other = Object.values(ctx.project.policies).find(
      (each) => each.name !== policy.name && each.networks.includes(name),
    );
    if (other) {
      throw invalid(
        `Invalid value for '${field}': '${url}'. The network is already bound to DNS ` +
          `policy '${other.name}'; a network can be bound to at most one policy.`,
      );
    }
    return name;
  });
  return [...new Set(names)];
}

function readTargets(value: unknown) {
  const config = typeof value === 'object' && value !== null ? value : {};
  const servers = objectList((config as Record<string, unknown>).targetNameServers);
  return servers.map((server, index) => {
    const ip = stringField(server, 'ipv4Address') ?? '';
    if (!isIpv4(ip)) {
      throw invalid(
        `Invalid value for 'entity.policy.alternativeNameServerConfig.targetNameServers` +
          `[${index}].ipv4Address': '${ip}'`,
      );
    }
    const path = stringField(server, 'forwardingPath');
    return path ? { ipv4Address: ip, forwardingPath: path } : { ipv4Address: ip };
  });
}
