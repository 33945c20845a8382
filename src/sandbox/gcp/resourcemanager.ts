import type { SandboxResult } from '../types.js';
import {
  classicError,
  GoogleApiError,
  gcpModule,
  json,
  paginate,
  type RouteContext,
  route,
} from './http.js';

/**
 * Cloud Resource Manager v1, the one call psc-bridge makes of it: projects.list, which offers
 * the projects the caller can see when a prompt asks for `--gcp-project`.
 */
function listProjects(ctx: RouteContext): SandboxResult {
  const filter = (ctx.req.query.get('filter') ?? '').trim();
  if (filter !== '' && !/^lifecycleState:ACTIVE$/i.test(filter)) {
    throw new GoogleApiError(400, 'badRequest', `Request contains an invalid argument: ${filter}`);
  }
  const projects = Object.values(ctx.env.world.gcp.projects)
    .sort((a, b) => a.projectId.localeCompare(b.projectId))
    .map((project) => ({
      projectNumber: project.projectNumber,
      projectId: project.projectId,
      lifecycleState: 'ACTIVE',
      name: project.projectId,
    }));
  const { page, nextPageToken } = paginate(projects, ctx.req.query, 'pageSize');
  return json(200, { projects: page, ...(nextPageToken ? { nextPageToken } : {}) });
}

export const resourceManagerModule = gcpModule({
  service: 'resourcemanager',
  // Service Usage owns `/v1/projects/...`; the bare collection is Resource Manager's.
  matches: (req) => req.path === '/v1/projects',
  routes: [route('GET', '/v1/projects', 'cloudresourcemanager.projects.list', listProjects)],
  render: classicError,
  transientFault: () =>
    classicError(new GoogleApiError(429, 'rateLimitExceeded', 'Quota exceeded for quota metric.')),
  advance: () => {},
});
