import type { protos } from '@google-cloud/compute';

/**
 * The pure part of advertise-route: what to send to a Cloud Router to add the endpoint's /32,
 * and what to send back on teardown, from the router as read and what was there before.
 */

export type Router = protos.google.cloud.compute.v1.IRouter;
type Bgp = protos.google.cloud.compute.v1.IRouterBgp;
type Peer = protos.google.cloud.compute.v1.IRouterBgpPeer;
type Range = protos.google.cloud.compute.v1.IRouterAdvertisedIpRange;

export const DESCRIPTION = 'psc-bridge: Private Service Connect endpoint';

/** An advertisement as it stood: mode, groups and ranges. */
export interface Advert {
  mode: string;
  groups: string[];
  ranges: string[];
}

/** What teardown needs: the router's and touched peers' advertisements before psc-bridge. */
export interface Prior {
  /** Set when psc-bridge added the /32 to the router (absent when it was there already). */
  router?: Advert;
  /** Peers in CUSTOM mode psc-bridge added the /32 to, by name. */
  peers: Record<string, Advert>;
}

export interface AddPlan {
  /** The new `bgp` to patch, when the router lacks the /32. */
  bgp?: Bgp;
  /** The whole new peer list, when peers get the /32 too. */
  peers?: Peer[];
  prior: Prior;
  /** CUSTOM peers that will not carry the /32 (no consent to change them). */
  untouched: string[];
}

export function advertOf(source: Bgp | Peer | null | undefined): Advert {
  return {
    mode: String(source?.advertiseMode ?? 'DEFAULT'),
    groups: (source?.advertisedGroups ?? []).map(String),
    ranges: (source?.advertisedIpRanges ?? []).map((each) => each.range ?? ''),
  };
}

function carries(source: Bgp | Peer | null | undefined, range: string): boolean {
  const advert = advertOf(source);
  return advert.mode === 'CUSTOM' && advert.ranges.includes(range);
}

function withRange(ranges: Range[] | null | undefined, range: string): Range[] {
  return [...(ranges ?? []), { range, description: DESCRIPTION }];
}

export function customPeers(router: Router): Peer[] {
  return (router.bgpPeers ?? []).filter((peer) => String(peer.advertiseMode) === 'CUSTOM');
}

/** Reads a recorded prior back (the state holds it as plain JSON). */
export function priorOf(value: unknown): Prior | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const prior = value as Partial<Prior>;
  return { ...(prior.router ? { router: prior.router } : {}), peers: prior.peers ?? {} };
}

/**
 * Adds `range` to the router (switching DEFAULT to CUSTOM with ALL_SUBNETS, which is what
 * DEFAULT advertised) and, with consent, to CUSTOM peers, keeping everything already there.
 * A prior recorded by an earlier, interrupted run is kept: it is the only true "before".
 */
export function planAdd(
  router: Router,
  range: string,
  consent: boolean,
  recorded: Prior | undefined,
): AddPlan {
  const prior: Prior = { peers: { ...recorded?.peers } };
  if (recorded?.router) prior.router = recorded.router;
  const plan: AddPlan = { prior, untouched: [] };

  if (!carries(router.bgp, range)) {
    const current = advertOf(router.bgp);
    prior.router ??= current;
    plan.bgp = {
      advertiseMode: 'CUSTOM',
      advertisedGroups: current.mode === 'DEFAULT' ? ['ALL_SUBNETS'] : current.groups,
      advertisedIpRanges: withRange(router.bgp?.advertisedIpRanges, range),
    };
  }

  const lacking = customPeers(router).filter((peer) => !carries(peer, range));
  if (lacking.length === 0) return plan;
  if (!consent) {
    plan.untouched = lacking.map((peer) => peer.name ?? '');
    return plan;
  }
  plan.peers = (router.bgpPeers ?? []).map((peer) => {
    if (!lacking.includes(peer)) return peer;
    prior.peers[peer.name ?? ''] ??= advertOf(peer);
    return { ...peer, advertisedIpRanges: withRange(peer.advertisedIpRanges, range) };
  });
  return plan;
}

export interface RemovePlan {
  /** The whole router to write back, or undefined when there is nothing of ours left. */
  router?: Router;
  notes: string[];
}

/**
 * Takes `range` out of the router and the peers psc-bridge touched. Restores DEFAULT only
 * when it was DEFAULT before and the advertisement holds nothing but what psc-bridge put
 * there (ALL_SUBNETS and the /32); otherwise leaves CUSTOM with the others' entries.
 */
export function planRemove(router: Router, range: string, prior: Prior): RemovePlan {
  const notes: string[] = [];
  let changed = false;
  let bgp = router.bgp ?? {};
  if (prior.router && carries(bgp, range)) {
    changed = true;
    const ranges = (bgp.advertisedIpRanges ?? []).filter((each) => each.range !== range);
    const groups = advertOf(bgp).groups;
    const onlyOurs = ranges.length === 0 && groups.join() === 'ALL_SUBNETS';
    if (prior.router.mode === 'DEFAULT' && onlyOurs) {
      bgp = { ...bgp, advertiseMode: 'DEFAULT', advertisedGroups: [], advertisedIpRanges: [] };
      notes.push('Restored the router to DEFAULT advertisement, as it was before.');
    } else {
      bgp = { ...bgp, advertisedIpRanges: ranges };
      if (prior.router.mode === 'DEFAULT') {
        const added = [...groups.filter((g) => g !== 'ALL_SUBNETS'), ...ranges.map((r) => r.range)];
        notes.push(
          'Left the router in CUSTOM mode although it was DEFAULT before: ' +
            `${added.join(', ') || 'its advertised groups changed'} was added since.`,
        );
      }
    }
  }
  const peers = (router.bgpPeers ?? []).map((peer) => {
    if (!prior.peers[peer.name ?? ''] || !carries(peer, range)) return peer;
    changed = true;
    const ranges = (peer.advertisedIpRanges ?? []).filter((each) => each.range !== range);
    return { ...peer, advertisedIpRanges: ranges };
  });
  if (!changed) return { notes };
  return { router: { ...router, bgp, bgpPeers: peers }, notes };
}
