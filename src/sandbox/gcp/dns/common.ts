import type { SandboxResult } from '../../types.js';
import { findProject, invalid, json, notFound, paginate, type RouteContext } from '../http.js';
import { requireService } from '../serviceusage.js';
import type { GcpProject } from '../world.js';

export interface DnsContext extends RouteContext {
  project: GcpProject;
}

/** Resolves the project of a Cloud DNS call; the DNS API must be enabled (and propagated). */
export function dnsContext(ctx: RouteContext): DnsContext {
  const name = ctx.params.project ?? '';
  const project = findProject(ctx.env.world, name);
  if (!project) {
    throw notFound(`The 'parameters.project' resource named '${name}' does not exist.`);
  }
  requireService(project, 'dns.googleapis.com', ctx.env.now());
  return { ...ctx, project };
}

/** The form Cloud DNS gives network URLs back in, whatever form they were sent in. */
export function networkUrl(project: GcpProject, network: string): string {
  const base = 'https://www.googleapis.com/compute/v1';
  return `${base}/projects/${project.projectId}/global/networks/${network}`;
}

/**
 * Reads a network URL in any of its forms (googleapis.com or compute.googleapis.com host,
 * the emulator's own URL, a partial `projects/p/global/networks/n` path) into a network name
 * of the project. Networks must exist.
 */
export function parseNetworkUrl(project: GcpProject, url: string, field: string): string {
  const match = /(?:^|\/)projects\/([^/]+)\/global\/networks\/([^/]+)$/.exec(url);
  const owner = match?.[1];
  const name = match?.[2];
  const sameProject = owner === project.projectId || owner === project.projectNumber;
  if (!name || !sameProject || !project.networks[name]) {
    throw invalid(`Invalid value for '${field}': '${url}'`);
  }
  return name;
}

/** A list answer with `kind`, the list under `key`, and `nextPageToken` when there is more. */
export function listOf<T>(ctx: DnsContext, kind: string, key: string, items: T[]): SandboxResult {
  const { page, nextPageToken } = paginate(items, ctx.req.query);
  return json(200, { kind, [key]: page, nextPageToken });
}
