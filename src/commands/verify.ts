import type { Command } from 'commander';
import { RuntimeError } from '../errors.js';

/**
 * `psc-bridge verify`. The checks need the step modules' inspections and the sandbox's
 * VPC-side resolver; until those land this command says so instead of reporting a pass.
 */
export async function verifyCommand(_command: Command): Promise<number> {
  throw new RuntimeError(
    'VERIFY_UNAVAILABLE',
    'verify is not implemented in this build of psc-bridge.',
    'Check by hand for now: on EC2, `dig bigquery.googleapis.com` should answer a CNAME to ' +
      '<endpoint>.googleapis.com. and the PSC IP.',
  );
}
