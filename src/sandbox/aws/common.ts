import type { SandboxEnv, SandboxRequest, World } from '../types.js';
import { SEED } from './seed.js';
import { type AwsRegion, type AwsTag, regionOf } from './world.js';

/** What every AWS handler gets: the addressed region of the world and the request's time. */
export interface AwsContext {
  world: World;
  env: SandboxEnv;
  regionName: string;
  region: AwsRegion;
  accountId: string;
  now: number;
}

const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/[a-z0-9-]+\/aws4_request/;

/** The region in the request's SigV4 credential scope (header or presigned query). */
export function signedRegion(req: SandboxRequest): string | undefined {
  const header = req.headers.authorization;
  const fromHeader = header ? CREDENTIAL_SCOPE.exec(header)?.[1] : undefined;
  if (fromHeader) return fromHeader;
  const credential = req.query.get('X-Amz-Credential');
  return credential?.split('/')[2];
}

export function isSigned(req: SandboxRequest): boolean {
  return signedRegion(req) !== undefined;
}

export function awsContext(req: SandboxRequest, env: SandboxEnv): AwsContext {
  const regionName = signedRegion(req) ?? SEED.region;
  return {
    world: env.world,
    env,
    regionName,
    region: regionOf(env.world.aws, regionName),
    accountId: env.world.aws.accountId,
    now: env.now(),
  };
}

/** Sets tags, replacing the value of a key that is already there. */
export function mergeTags(target: AwsTag[], tags: AwsTag[]): void {
  for (const tag of tags) {
    const existing = target.find((each) => each.Key === tag.Key);
    if (existing) existing.Value = tag.Value;
    else target.push({ Key: tag.Key, Value: tag.Value });
  }
}

/** Values a `tag:Key`, `tag-key` or `tag-value` filter sees, or undefined for other names. */
export function tagFilterValues(tags: AwsTag[], name: string): string[] | undefined {
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return tags.filter((tag) => tag.Key === key).map((tag) => tag.Value);
  }
  if (name === 'tag-key') return tags.map((tag) => tag.Key);
  if (name === 'tag-value') return tags.map((tag) => tag.Value);
  return undefined;
}

export function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
