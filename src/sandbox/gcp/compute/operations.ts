import type { Deferral, SandboxResult } from '../../types.js';
import { between, json, notFound, numericId, timestamp } from '../http.js';
import type { ComputeOperationRecord, GcpProject, OperationEffect } from '../world.js';
import { type ComputeContext, link, resourceNotReady, resourcePath } from './common.js';

/** The real `operations.wait` returns after about two minutes even when not done. */
const WAIT_CAP_MS = 120_000;

export interface OperationSpec {
  operationType: string;
  targetLink: string;
  targetId: string;
  region?: string;
  effect?: OperationEffect;
  /** Realistic duration range in milliseconds. */
  durationMs: [number, number];
}

/**
 * A retried call carrying a `requestId` already seen answers the operation it started,
 * without doing anything again. Undefined when the call is new.
 */
export function replay(ctx: ComputeContext): SandboxResult | undefined {
  const requestId = ctx.req.query.get('requestId');
  if (!requestId) return undefined;
  const name = ctx.project.requestIds[requestId];
  const record = name ? ctx.project.operations[name] : undefined;
  return record ? json(200, operationView(ctx, record)) : undefined;
}

/** Refuses to change a resource while an earlier operation on it is still running. */
export function ensureReady(ctx: ComputeContext, relative: string): void {
  const busy = Object.values(ctx.project.operations).some(
    (record) => record.status !== 'DONE' && record.targetLink === relative,
  );
  if (busy) throw resourceNotReady(ctx.project, relative);
}

/** Starts an operation, remembers its requestId, and answers it (DONE at once if instant). */
export function startOperation(ctx: ComputeContext, spec: OperationSpec): SandboxResult {
  const { env, project } = ctx;
  const now = env.now();
  const [low, high] = spec.durationMs;
  const doneAt = now + between(env, low, high);
  const record: ComputeOperationRecord = {
    id: numericId(env),
    name: `operation-${now}-${env.hex(13)}-${env.hex(8)}-${env.hex(8)}`,
    operationType: spec.operationType,
    targetLink: spec.targetLink,
    targetId: spec.targetId,
    region: spec.region,
    insertTime: now,
    startAt: now + Math.min(env.duration(500), doneAt - now),
    doneAt,
    status: 'PENDING',
    effect: spec.effect,
  };
  project.operations[record.name] = record;
  const requestId = ctx.req.query.get('requestId');
  if (requestId) project.requestIds[requestId] = record.name;
  settleOperations(project, now);
  return json(200, operationView(ctx, record));
}

export function operationView(ctx: ComputeContext, record: ComputeOperationRecord) {
  const { env, project } = ctx;
  const scope = record.region ? `regions/${record.region}` : 'global';
  const progress = { PENDING: 0, RUNNING: 50, DONE: 100 }[record.status];
  return {
    kind: 'compute#operation',
    id: record.id,
    name: record.name,
    operationType: record.operationType,
    targetLink: link(env, project, record.targetLink),
    targetId: record.targetId,
    status: record.status,
    user: 'psc-bridge-sandbox@example.invalid',
    progress,
    insertTime: timestamp(record.insertTime),
    startTime: record.status === 'PENDING' ? undefined : timestamp(record.startAt),
    endTime: record.endTime === undefined ? undefined : timestamp(record.endTime),
    error: record.error ? { errors: record.error } : undefined,
    httpErrorStatusCode: record.error ? 400 : undefined,
    httpErrorMessage: record.error ? 'BAD REQUEST' : undefined,
    region: record.region ? link(env, project, `regions/${record.region}`) : undefined,
    selfLink: link(env, project, `${scope}/operations/${record.name}`),
  };
}

function findOperation(ctx: ComputeContext, region?: string): ComputeOperationRecord {
  const name = ctx.params.operation ?? '';
  const record = ctx.project.operations[name];
  if (record && record.region === region) return record;
  const scope = region ? `regions/${region}` : 'global';
  throw notFound(
    `The resource '${resourcePath(ctx.project, `${scope}/operations/${name}`)}' was not found`,
  );
}

export function getOperation(ctx: ComputeContext, region?: string): SandboxResult {
  return json(200, operationView(ctx, findOperation(ctx, region)));
}

/**
 * `operations.wait`: answers when the operation is DONE, or as it stands once about two
 * (scaled) minutes have passed since the call arrived, like the real endpoint.
 */
export function waitOperation(ctx: ComputeContext, region?: string): SandboxResult | Deferral {
  const record = findOperation(ctx, region);
  const now = ctx.env.now();
  const deadline = ctx.req.arrivedAt + ctx.env.duration(WAIT_CAP_MS);
  if (record.status === 'DONE' || now >= deadline) return json(200, operationView(ctx, record));
  return { deferMs: Math.max(1, Math.min(record.doneAt, deadline) - now) };
}

/** Moves every operation of a project along to `now`, applying effects of finished ones. */
export function settleOperations(project: GcpProject, now: number): void {
  const open = Object.values(project.operations)
    .filter((record) => record.status !== 'DONE')
    .sort((a, b) => a.doneAt - b.doneAt);
  for (const record of open) {
    if (now >= record.doneAt) finish(project, record);
    else if (now >= record.startAt) record.status = 'RUNNING';
  }
}

function finish(project: GcpProject, record: ComputeOperationRecord): void {
  record.status = 'DONE';
  record.endTime = record.doneAt;
  if (record.failWith) {
    record.error = [record.failWith];
    return;
  }
  if (record.effect) applyEffect(project, record.effect);
}

function applyEffect(project: GcpProject, effect: OperationEffect): void {
  switch (effect.kind) {
    case 'ready': {
      const address = project[effect.collection][effect.key];
      if (address?.status === 'RESERVING') {
        address.status = address.users.length > 0 ? 'IN_USE' : 'RESERVED';
      }
      return;
    }
    case 'delete':
      deleteResource(project, effect.collection, effect.key);
      return;
    case 'router-patch': {
      const router = project.routers[effect.key];
      if (!router) return;
      router.bgp = effect.bgp;
      router.bgpPeers = effect.bgpPeers;
    }
  }
}

function deleteResource(
  project: GcpProject,
  collection: 'globalAddresses' | 'addresses' | 'forwardingRules' | 'routers',
  key: string,
): void {
  if (collection === 'forwardingRules') {
    const rule = project.forwardingRules[key];
    const address = rule ? project.globalAddresses[rule.addressName] : undefined;
    if (address) {
      address.users = address.users.filter((user) => user !== `global/forwardingRules/${key}`);
      if (address.users.length === 0 && address.status === 'IN_USE') address.status = 'RESERVED';
    }
  }
  delete project[collection][key];
}
