import type { Deferral, SandboxResult, World } from '../../types.js';
import {
  classicError,
  GoogleApiError,
  gcpModule,
  json,
  type RouteContext,
  route,
} from '../http.js';
import {
  aggregatedAddresses,
  deleteGlobalAddress,
  deleteRegionalAddress,
  getAddress,
  getGlobalAddress,
  insertGlobalAddress,
  listAddresses,
  listGlobalAddresses,
} from './addresses.js';
import { type ComputeContext, computeContext, link } from './common.js';
import {
  deleteForwardingRule,
  getForwardingRule,
  insertForwardingRule,
  listForwardingRules,
} from './forwarding-rules.js';
import {
  aggregatedSubnetworks,
  getNetwork,
  getRegion,
  getSubnetwork,
  listNetworks,
  listRegions,
  listSubnetworks,
  listZones,
} from './networks.js';
import { getOperation, settleOperations, waitOperation } from './operations.js';
import { getRouter, listRouters, patchRouter, updateRouter } from './routers.js';

const P = '/compute/v1/projects/{project}';

type Handler = (ctx: ComputeContext) => SandboxResult | Deferral;

function compute(method: string, path: string, operation: string, handler: Handler) {
  const mutating = method !== 'GET' && !operation.endsWith('.wait');
  return route(
    method,
    `${P}${path}`,
    `compute.${operation}`,
    (ctx: RouteContext) => handler(computeContext(ctx)),
    mutating,
  );
}

/** `projects.get`, which gcloud reads for the project's default service account and quotas. */
function getProject(ctx: ComputeContext): SandboxResult {
  return json(200, {
    kind: 'compute#project',
    id: ctx.project.projectNumber,
    name: ctx.project.projectId,
    selfLink: link(ctx.env, ctx.project, '').replace(/\/$/, ''),
    defaultServiceAccount: `${ctx.project.projectNumber}-compute@developer.gserviceaccount.com`,
    xpnProjectStatus: 'UNSPECIFIED_XPN_PROJECT_STATUS',
    defaultNetworkTier: 'PREMIUM',
  });
}

const routes = [
  compute('GET', '', 'projects.get', getProject),
  compute('GET', '/global/networks', 'networks.list', listNetworks),
  compute('GET', '/global/networks/{network}', 'networks.get', getNetwork),
  compute('GET', '/regions', 'regions.list', listRegions),
  compute('GET', '/regions/{region}', 'regions.get', getRegion),
  compute('GET', '/zones', 'zones.list', listZones),
  compute('GET', '/regions/{region}/subnetworks', 'subnetworks.list', listSubnetworks),
  compute('GET', '/regions/{region}/subnetworks/{subnetwork}', 'subnetworks.get', getSubnetwork),
  compute('GET', '/aggregated/subnetworks', 'subnetworks.aggregatedList', aggregatedSubnetworks),
  compute('GET', '/global/addresses', 'globalAddresses.list', listGlobalAddresses),
  compute('POST', '/global/addresses', 'globalAddresses.insert', insertGlobalAddress),
  compute('GET', '/global/addresses/{address}', 'globalAddresses.get', getGlobalAddress),
  compute('DELETE', '/global/addresses/{address}', 'globalAddresses.delete', deleteGlobalAddress),
  compute('GET', '/regions/{region}/addresses', 'addresses.list', listAddresses),
  compute('GET', '/regions/{region}/addresses/{address}', 'addresses.get', getAddress),
  compute(
    'DELETE',
    '/regions/{region}/addresses/{address}',
    'addresses.delete',
    deleteRegionalAddress,
  ),
  compute('GET', '/aggregated/addresses', 'addresses.aggregatedList', aggregatedAddresses),
  compute('GET', '/global/forwardingRules', 'globalForwardingRules.list', listForwardingRules),
  compute('POST', '/global/forwardingRules', 'globalForwardingRules.insert', insertForwardingRule),
  compute(
    'GET',
    '/global/forwardingRules/{forwardingRule}',
    'globalForwardingRules.get',
    getForwardingRule,
  ),
  compute(
    'DELETE',
    '/global/forwardingRules/{forwardingRule}',
    'globalForwardingRules.delete',
    deleteForwardingRule,
  ),
  compute('GET', '/regions/{region}/routers', 'routers.list', listRouters),
  compute('GET', '/regions/{region}/routers/{router}', 'routers.get', getRouter),
  compute('PATCH', '/regions/{region}/routers/{router}', 'routers.patch', patchRouter),
  compute('PUT', '/regions/{region}/routers/{router}', 'routers.update', updateRouter),
  compute('GET', '/global/operations/{operation}', 'globalOperations.get', (ctx) =>
    getOperation(ctx),
  ),
  compute('POST', '/global/operations/{operation}/wait', 'globalOperations.wait', (ctx) =>
    waitOperation(ctx),
  ),
  compute('GET', '/regions/{region}/operations/{operation}', 'regionOperations.get', (ctx) =>
    getOperation(ctx, ctx.params.region),
  ),
  compute('POST', '/regions/{region}/operations/{operation}/wait', 'regionOperations.wait', (ctx) =>
    waitOperation(ctx, ctx.params.region),
  ),
];

export const computeModule = gcpModule({
  service: 'compute',
  matches: (req) => req.path.startsWith('/compute/v1/'),
  routes,
  render: classicError,
  transientFault(op, env) {
    // A Cloud Router being changed answers 400 resourceNotReady (transient, per the API's
    // own advice to retry it) as often as the backend's 503.
    const router =
      op.operation === 'compute.routers.patch' || op.operation === 'compute.routers.update';
    if (router && env.heads()) {
      return classicError(new GoogleApiError(400, 'resourceNotReady', 'The resource is not ready'));
    }
    if (op.mutating) {
      return classicError(
        new GoogleApiError(503, 'backendError', 'The service is currently unavailable.'),
      );
    }
    return classicError(new GoogleApiError(429, 'rateLimitExceeded', 'Rate Limit Exceeded'));
  },
  advance(world: World, now: number) {
    for (const project of Object.values(world.gcp.projects)) settleOperations(project, now);
  },
});
