import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import type { LatencyName } from '../sandbox/profile.js';
import { summariseWorld } from '../sandbox/summary.js';
import type { CallRecord } from '../sandbox/types.js';
import { readWorldFile, seedWorld } from '../sandbox/world-store.js';
import { emit, emitJson, say } from '../ui/terminal.js';
import { writeFileAtomic } from '../util/fs.js';
import { SANDBOX_DIR } from './session.js';

const worldPath = () => resolvePath(SANDBOX_DIR, 'world.json');

/** `psc-bridge sandbox serve`: the emulator over the world file until Ctrl-C. */
export async function serveCommand(command: Command): Promise<number> {
  const options = command.opts<{ port?: string; latency: string; speed: string; faults: string }>();
  const port = options.port === undefined ? 0 : number(options.port, '--port', 0, 65535);
  const speed = number(options.speed, '--speed', 0.001, 1_000_000);
  const faults = number(options.faults, '--faults', 0, 1);
  const { startSandbox } = await import('../sandbox/server.js');
  const server = await startSandbox({
    worldFile: worldPath(),
    port,
    profile: { latency: options.latency as LatencyName, speed, faults },
  });
  say(`psc-bridge sandbox serving ${worldPath()} at ${server.url} (Ctrl-C to stop)`);
  emit(environmentLines(server.url).join('\n'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  say('sandbox stopped');
  return 0;
}

/** The lines that point the SDKs and the gcloud/aws CLIs at a sandbox. */
export function environmentLines(url: string): string[] {
  return [
    `export AWS_ENDPOINT_URL=${url}`,
    'export AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox',
    // The SDKs read AWS_REGION; the aws CLI v1 (botocore) reads only AWS_DEFAULT_REGION.
    'export AWS_REGION=ap-northeast-1 AWS_DEFAULT_REGION=ap-northeast-1',
    `export PSC_BRIDGE_GCP_ENDPOINT=${url}`,
    `gcloud config set api_endpoint_overrides/compute ${url}/compute/v1/`,
    `gcloud config set api_endpoint_overrides/dns ${url}/dns/v1/`,
    `gcloud config set api_endpoint_overrides/serviceusage ${url}/`,
    'gcloud config set auth/disable_credentials true',
  ];
}

/** `psc-bridge sandbox show`: resources by cloud and kind, and the call log. */
export async function showCommand(command: Command): Promise<number> {
  const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
  const world = readWorldFile(worldPath()) ?? seedWorld();
  const summary = summariseWorld(world);
  if (json) {
    emitJson({ resources: summary, calls: world.calls, world });
    return 0;
  }
  for (const [cloud, kinds] of Object.entries(summary)) {
    emit(cloud.toUpperCase());
    for (const [kind, names] of Object.entries(kinds)) {
      emit(`  ${kind} (${names.length}): ${names.join(', ')}`);
    }
  }
  emit(`CALLS (${world.calls.length})`);
  for (const call of world.calls) {
    const when = new Date(call.at).toISOString();
    const change = call.mutating ? 'write' : 'read ';
    const error = call.error ? ` ${call.error}` : '';
    const name = callName(call);
    const by = call.step ? ` [${call.step}]` : '';
    emit(`  ${when} ${change} ${name} ${call.status}${error}${by}`);
  }
  return 0;
}

/** `compute.routers.patch`, `ec2.CreateTags`, `unknown DescribeVpnGateways (ec2)`. */
function callName(call: CallRecord): string {
  if (call.operation.startsWith('unknown ')) {
    const api = call.service === 'unknown' ? 'no emulated API' : call.service;
    return `${call.operation} (${api})`;
  }
  return call.operation.startsWith(`${call.service}.`)
    ? call.operation
    : `${call.service}.${call.operation}`;
}

/** `psc-bridge sandbox reset`: back to the seeded world (the call log is cleared too). */
export async function resetCommand(_command: Command): Promise<number> {
  await writeFileAtomic(worldPath(), `${JSON.stringify(seedWorld(), null, 2)}\n`);
  say(`Reset ${worldPath()} to the seeded world.`);
  return 0;
}

function number(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UserError('INVALID_VALUE', `${flag} must be a number from ${min} to ${max}.`);
  }
  return value;
}
