import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PROJECT } from './gcp.js';

export function findGcloud(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat('/usr/bin');
  return dirs.map((dir) => join(dir, 'gcloud')).find((path) => existsSync(path));
}

export const gcloud = findGcloud();

/**
 * The gcloud configuration, written as `gcloud config set` would write it: every API at the
 * sandbox, no credentials, and nothing that phones home (metadata server, update check,
 * surveys, usage reporting).
 */
export function configFile(url: string): string {
  return [
    baseConfigFile(),
    '[auth]',
    'disable_credentials = true',
    '[api_endpoint_overrides]',
    `compute = ${url}/compute/v1/`,
    `dns = ${url}/dns/v1/`,
    `serviceusage = ${url}/`,
    '',
  ].join('\n');
}

/**
 * A gcloud configuration that points nowhere yet: the sandbox project, and nothing that
 * phones home. The `gcloud config set` lines `sandbox serve` prints do the rest.
 */
export function baseConfigFile(): string {
  return [
    '[core]',
    `project = ${PROJECT}`,
    'check_gce_metadata = false',
    'disable_usage_reporting = true',
    'disable_prompts = true',
    '[component_manager]',
    'disable_update_check = true',
    '[survey]',
    'disable_prompts = true',
    '',
  ].join('\n');
}
