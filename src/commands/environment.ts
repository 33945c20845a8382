import { type CloudServices, cloudServices, endpointsFromEnv } from '../cloud/clients.js';
import type { PartialConfig } from '../config/fields.js';
import type { Session } from './session.js';

/** The clouds a command talks to: the real ones, or an in-process sandbox over the world file. */
export interface Environment {
  services: CloudServices;
  close(): Promise<void>;
}

export async function openEnvironment(
  session: Session,
  config: Readonly<PartialConfig>,
  log: (line: string) => void,
): Promise<Environment> {
  const verbose = session.flags.verbose ? log : undefined;
  if (session.mode !== 'sandbox') {
    return { services: cloudServices(config, endpointsFromEnv(), verbose), close: async () => {} };
  }
  const { startSandbox } = await import('../sandbox/server.js');
  const sandbox = await startSandbox({ worldFile: session.worldPath });
  const endpoints = { gcp: sandbox.url, aws: sandbox.url };
  return { services: cloudServices(config, endpoints, verbose), close: () => sandbox.close() };
}
