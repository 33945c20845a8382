import {
  type CloudServices,
  cloudServices,
  type Endpoints,
  endpointsFromEnv,
} from '../cloud/clients.js';
import type { PartialConfig } from '../config/fields.js';
import { UserError } from '../errors.js';
import type { SandboxProfile } from '../sandbox/profile.js';
import type { DataPlane } from '../steps/checks/types.js';
import type { Session } from './session.js';

/**
 * Where a command's cloud calls go: the real clouds (or the endpoints the environment names),
 * or an emulator started in-process over the sandbox world file.
 */
export interface Environment {
  endpoints: Endpoints;
  /** See CloudServices.pollScale. */
  pollScale: number;
  services(config: Readonly<PartialConfig>, log: (line: string) => void): CloudServices;
  /**
   * In the sandbox (opened with `dataPlane`): what a workload in the AWS VPC would use, on
   * loopback: the VPC resolver stand-in, and a loopback port for each modelled address.
   */
  vpc?: Omit<DataPlane, 'timeoutMs'>;
  close(): Promise<void>;
}

export async function openEnvironment(
  session: Session,
  options: { dataPlane?: { vpcId?: string; region?: string } } = {},
): Promise<Environment> {
  const verbose = (log: (line: string) => void) => (session.flags.verbose ? log : undefined);
  if (session.mode !== 'sandbox') {
    const endpoints = endpointsFromEnv();
    return {
      endpoints,
      pollScale: 1,
      services: (config, log) => cloudServices(config, endpoints, verbose(log)),
      close: async () => {},
    };
  }
  const { startSandbox } = await import('../sandbox/server.js');
  const { pscStandIn, vpcResolverAddress } = await import('../sandbox/vpc/index.js');
  const sandbox = await startSandbox({
    worldFile: session.worldPath,
    profile: profileFromEnv(),
    ...(options.dataPlane ? { vpcDns: definedOnly(options.dataPlane) } : {}),
  });
  const endpoints = { gcp: sandbox.url, aws: sandbox.url };
  const { latency, speed } = sandbox.profile;
  const pollScale = latency === 'instant' ? 0.001 : 1 / speed;
  return {
    endpoints,
    pollScale,
    services: (config, log) => cloudServices(config, endpoints, verbose(log), pollScale),
    ...(options.dataPlane
      ? {
          vpc: {
            resolver: vpcResolverAddress(sandbox),
            dial: (ip: string) => pscStandIn(sandbox, ip),
          },
        }
      : {}),
    close: () => sandbox.close(),
  };
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The in-process sandbox's latency and faults, from PSC_BRIDGE_SANDBOX_LATENCY (instant or
 * realistic), PSC_BRIDGE_SANDBOX_SPEED and PSC_BRIDGE_SANDBOX_FAULTS.
 */
export function profileFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<SandboxProfile> {
  const profile: Partial<SandboxProfile> = {};
  const latency = env.PSC_BRIDGE_SANDBOX_LATENCY;
  if (latency !== undefined) {
    if (latency !== 'instant' && latency !== 'realistic') {
      throw new UserError(
        'INVALID_VALUE',
        `PSC_BRIDGE_SANDBOX_LATENCY must be instant or realistic, not ${JSON.stringify(latency)}.`,
      );
    }
    profile.latency = latency;
  }
  const speed = numberFromEnv(env, 'PSC_BRIDGE_SANDBOX_SPEED', 0.001, 1_000_000);
  if (speed !== undefined) profile.speed = speed;
  const faults = numberFromEnv(env, 'PSC_BRIDGE_SANDBOX_FAULTS', 0, 1);
  if (faults !== undefined) profile.faults = faults;
  return profile;
}

function numberFromEnv(env: NodeJS.ProcessEnv, name: string, min: number, max: number) {
  const text = env[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UserError('INVALID_VALUE', `${name} must be a number from ${min} to ${max}.`);
  }
  return value;
}
