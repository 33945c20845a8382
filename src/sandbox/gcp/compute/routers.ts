import type { SandboxResult } from '../../types.js';
import { bodyOf, invalid, json, notFound, timestamp } from '../http.js';
import { parseCidr } from '../ipv4.js';
import type { AdvertisedRange, BgpPeer, RouterBgp, RouterRecord } from '../world.js';
import {
  type ComputeContext,
  compact,
  link,
  listAnswer,
  requireRegion,
  resourcePath,
} from './common.js';
import { ensureReady, replay, startOperation } from './operations.js';

const MODES = ['DEFAULT', 'CUSTOM'];
const GROUPS = ['ALL_SUBNETS'];

function advertisement(groups: string[], ranges: AdvertisedRange[]) {
  return {
    advertisedGroups: groups,
    advertisedIpRanges: ranges.map((each) => compact({ ...each })),
  };
}

function routerView(ctx: ComputeContext, router: RouterRecord) {
  const { env, project } = ctx;
  const bgp = router.bgp;
  return compact({
    kind: 'compute#router',
    id: router.id,
    creationTimestamp: timestamp(router.createdAt),
    name: router.name,
    description: router.description || undefined,
    region: link(env, project, `regions/${router.region}`),
    network: link(env, project, `global/networks/${router.network}`),
    interfaces: router.interfaces.map((each) => ({
      name: each.name,
      linkedVpnTunnel: link(env, project, each.linkedVpnTunnel),
      ipRange: each.ipRange,
    })),
    bgpPeers: router.bgpPeers.map((peer) =>
      compact({
        name: peer.name,
        interfaceName: peer.interfaceName,
        ipAddress: peer.ipAddress,
        peerIpAddress: peer.peerIpAddress,
        peerAsn: peer.peerAsn,
        advertisedRoutePriority: peer.advertisedRoutePriority,
        advertiseMode: peer.advertiseMode,
        ...advertisement(peer.advertisedGroups, peer.advertisedIpRanges),
        enable: peer.enable,
      }),
    ),
    bgp: compact({
      asn: bgp.asn,
      advertiseMode: bgp.advertiseMode,
      ...advertisement(bgp.advertisedGroups, bgp.advertisedIpRanges),
      keepaliveInterval: bgp.keepaliveInterval,
    }),
    selfLink: link(env, project, `regions/${router.region}/routers/${router.name}`),
    encryptedInterconnectRouter: false,
  });
}

function findRouter(ctx: ComputeContext): { router: RouterRecord; relative: string } {
  const region = ctx.params.region ?? '';
  const name = ctx.params.router ?? '';
  const relative = `regions/${region}/routers/${name}`;
  const router = ctx.project.routers[`${region}/${name}`];
  if (!router)
    throw notFound(`The resource '${resourcePath(ctx.project, relative)}' was not found`);
  return { router, relative };
}

export function getRouter(ctx: ComputeContext): SandboxResult {
  return json(200, routerView(ctx, findRouter(ctx).router));
}

export function listRouters(ctx: ComputeContext): SandboxResult {
  const region = ctx.params.region ?? '';
  requireRegion(region);
  const views = Object.values(ctx.project.routers)
    .filter((router) => router.region === region)
    .map((router) => routerView(ctx, router));
  return listAnswer(ctx, 'compute#routerList', `regions/${region}/routers`, views);
}

/**
 * `routers.patch` with JSON merge-patch semantics: objects merge, lists replace whole (an
 * explicit `[]` clears one). Only the BGP advertisement, BGP peers' advertisement and the
 * description are modelled; a change to anything else is refused as not emulated.
 */
export function patchRouter(ctx: ComputeContext): SandboxResult {
  const replayed = replay(ctx);
  if (replayed) return replayed;

  const { router, relative } = findRouter(ctx);
  const body = bodyOf(ctx.req);
  const current = routerView(ctx, router);
  checkUnmodelled(current, body);
  const merged = mergePatch(current, body) as Record<string, unknown>;
  const bgp = readBgp(merged.bgp, asRecord(body.bgp), router.bgp);
  const bgpPeers = readPeers(merged.bgpPeers, body.bgpPeers, router.bgpPeers);
  ensureReady(ctx, relative);

  if (typeof merged.description === 'string') router.description = merged.description;
  return startOperation(ctx, {
    operationType: 'patch',
    targetLink: relative,
    targetId: router.id,
    region: router.region,
    effect: { kind: 'router-patch', key: `${router.region}/${router.name}`, bgp, bgpPeers },
    durationMs: [3_000, 15_000],
  });
}

/**
 * `routers.update` with PUT semantics: the body is the whole router, so a list left out is
 * cleared (the way an SDK that cannot send an empty list in a merge patch clears one). The
 * same fields as for patch are modelled; the rest must come back unchanged.
 */
export function updateRouter(ctx: ComputeContext): SandboxResult {
  const replayed = replay(ctx);
  if (replayed) return replayed;

  const { router, relative } = findRouter(ctx);
  const body = bodyOf(ctx.req);
  const current = routerView(ctx, router);
  checkUnmodelled(current, body);
  for (const key of ['name', 'interfaces']) {
    if (canonical(body[key]) !== canonical(current[key])) {
      throw invalid(
        `Invalid value for field 'resource.${key}': the psc-bridge sandbox does not emulate ` +
          'changing or dropping it.',
      );
    }
  }
  const bgp = readBgp(body.bgp, asRecord(body.bgp), router.bgp);
  const bgpPeers = readPeers(body.bgpPeers, body.bgpPeers, router.bgpPeers);
  ensureReady(ctx, relative);

  router.description = typeof body.description === 'string' ? body.description : '';
  return startOperation(ctx, {
    operationType: 'update',
    targetLink: relative,
    targetId: router.id,
    region: router.region,
    effect: { kind: 'router-patch', key: `${router.region}/${router.name}`, bgp, bgpPeers },
    durationMs: [3_000, 15_000],
  });
}

const MODELLED = new Set([
  'bgp',
  'bgpPeers',
  'description',
  'kind',
  'id',
  'creationTimestamp',
  'name',
  'region',
  'network',
  'selfLink',
  'interfaces',
  'encryptedInterconnectRouter',
]);
const IMMUTABLE = ['name', 'region', 'network', 'interfaces'];

function checkUnmodelled(current: Record<string, unknown>, body: Record<string, unknown>) {
  for (const [key, value] of Object.entries(body)) {
    if (!MODELLED.has(key)) {
      if (value === null || (Array.isArray(value) && value.length === 0)) continue;
      throw invalid(
        `Invalid value for field 'resource.${key}': the psc-bridge sandbox does not emulate ` +
          'changes to this router field.',
      );
    }
    if (IMMUTABLE.includes(key) && canonical(value) !== canonical(current[key])) {
      throw invalid(`Invalid value for field 'resource.${key}': this field cannot be changed.`);
    }
  }
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, each: unknown) => {
    if (typeof each !== 'object' || each === null || Array.isArray(each)) return each;
    const entries = Object.entries(each as Record<string, unknown>);
    return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
  });
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * Reads an advertisement from the merged router. DEFAULT mode drops custom groups and ranges
 * left from before (SDKs cannot send an empty list to clear them); sending new ones along
 * with DEFAULT is refused.
 */
function readAdvertisement(
  source: Record<string, unknown>,
  sent: Record<string, unknown>,
  field: string,
) {
  const mode = source.advertiseMode ?? 'DEFAULT';
  if (typeof mode !== 'string' || !MODES.includes(mode)) {
    throw invalid(`Invalid value for field '${field}.advertiseMode': '${String(mode)}'.`);
  }
  if (mode === 'DEFAULT') {
    if (nonEmpty(sent.advertisedGroups) || nonEmpty(sent.advertisedIpRanges)) {
      throw invalid(
        `Invalid value for field '${field}.advertiseMode': 'DEFAULT'. Custom advertised ` +
          'groups and IP ranges can only be set when the advertise mode is CUSTOM.',
      );
    }
    return { advertiseMode: 'DEFAULT' as const, groups: [], ranges: [] };
  }
  const groups = Array.isArray(source.advertisedGroups) ? source.advertisedGroups : [];
  for (const group of groups) {
    if (typeof group !== 'string' || !GROUPS.includes(group)) {
      throw invalid(`Invalid value for field '${field}.advertisedGroups': '${String(group)}'.`);
    }
  }
  const ranges = readRanges(source.advertisedIpRanges, field);
  return { advertiseMode: 'CUSTOM' as const, groups: groups as string[], ranges };
}

function nonEmpty(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function readRanges(value: unknown, field: string): AdvertisedRange[] {
  const list = Array.isArray(value) ? value.map(asRecord) : [];
  const seen = new Set<string>();
  return list.map((each, index) => {
    const range = typeof each.range === 'string' ? each.range : '';
    const cidr = parseCidr(range.includes('/') ? range : `${range}/32`);
    if (!cidr) {
      throw invalid(
        `Invalid value for field '${field}.advertisedIpRanges[${index}].range': '${range}'.`,
      );
    }
    const normal = range.includes('/') ? range : `${range}/32`;
    if (seen.has(normal)) {
      throw invalid(`Duplicate value for field '${field}.advertisedIpRanges': '${normal}'.`);
    }
    seen.add(normal);
    const description = typeof each.description === 'string' ? each.description : undefined;
    return description ? { range: normal, description } : { range: normal };
  });
}

function readBgp(value: unknown, sent: Record<string, unknown>, current: RouterBgp): RouterBgp {
  const source = asRecord(value);
  if (source.asn !== undefined && Number(source.asn) !== current.asn) {
    throw invalid(
      "Invalid value for field 'resource.bgp.asn': the ASN of a router with BGP peers " +
        'cannot be changed.',
    );
  }
  const { advertiseMode, groups, ranges } = readAdvertisement(source, sent, 'resource.bgp');
  return { ...current, advertiseMode, advertisedGroups: groups, advertisedIpRanges: ranges };
}

function readPeers(value: unknown, sentPeers: unknown, current: BgpPeer[]): BgpPeer[] {
  const given = Array.isArray(value) ? value.map(asRecord) : [];
  const sent = Array.isArray(sentPeers) ? sentPeers.map(asRecord) : [];
  if (given.length !== current.length) {
    throw invalid(
      "Invalid value for field 'resource.bgpPeers': the psc-bridge sandbox does not " +
        'emulate adding or removing BGP peers.',
    );
  }
  return current.map((peer, index) => {
    const source = given.find((each) => each.name === peer.name);
    if (!source) {
      throw invalid(`Invalid value for field 'resource.bgpPeers[${index}].name'.`);
    }
    const field = `resource.bgpPeers[${index}]`;
    const sentPeer = sent.find((each) => each.name === peer.name) ?? {};
    const { advertiseMode, groups, ranges } = readAdvertisement(source, sentPeer, field);
    return { ...peer, advertiseMode, advertisedGroups: groups, advertisedIpRanges: ranges };
  });
}
