export type LatencyName = 'instant' | 'realistic';

export interface SandboxProfile {
  latency: LatencyName;
  /** Divides every realistic duration: 60 replays a one-minute wait in one second. */
  speed: number;
  /** Share of calls, 0 to 1, answered with an injected transient failure. */
  faults: number;
  /** Seed for the fault draw, so a failing run can be replayed. */
  faultSeed: number;
}

export const DEFAULT_PROFILE: SandboxProfile = {
  latency: 'instant',
  speed: 1,
  faults: 0,
  faultSeed: 1,
};

export function scaleDuration(profile: SandboxProfile, realisticMs: number): number {
  if (profile.latency === 'instant') return 0;
  return Math.round(realisticMs / profile.speed);
}

/** A small deterministic generator (mulberry32) so fault runs can be replayed by seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
