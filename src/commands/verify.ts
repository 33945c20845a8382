import type { Command } from 'commander';
import { isIpv4 } from '../config/fields.js';
import { UserError } from '../errors.js';
import { STEP_IDS } from '../steps/catalog.js';
import * as aws from '../steps/checks/aws.js';
import { checkGenerate204, checkResolution } from '../steps/checks/dataplane.js';
import * as gcp from '../steps/checks/gcp.js';
import type { CheckInput, CheckResult, DataPlane } from '../steps/checks/types.js';
import { emit, emitJson, paintResults, say } from '../ui/terminal.js';
import { openEnvironment } from './environment.js';
import { prepare } from './prepare.js';
import { sessionOf } from './session.js';

const TIMEOUT_MS = 3000;

/**
 * `psc-bridge verify`: control-plane checks through the APIs, and with --from-vpc the
 * data-plane checks a workload in the VPC would see. Exit 0 only when every check passes.
 */
export async function verifyCommand(command: Command): Promise<number> {
  const session = sessionOf(command);
  const fromVpc = session.options.fromVpc === true;
  const resolverFlag = session.options.resolver as string | undefined;
  if (resolverFlag !== undefined) checkResolverFlag(resolverFlag, session.mode === 'sandbox');
  const { resolved, before } = await prepare(session, STEP_IDS);
  const environment = await openEnvironment(
    session,
    fromVpc
      ? { dataPlane: { vpcId: resolved.config.vpcId, region: resolved.config.awsRegion } }
      : {},
  );
  try {
    const input: CheckInput = {
      config: resolved.config,
      state: before,
      services: environment.services(resolved.config, say),
    };
    const checks = await controlPlane(input);
    if (fromVpc) {
      const plane: DataPlane = environment.vpc
        ? {
            ...environment.vpc,
            ...(resolverFlag ? { resolver: resolverFlag } : {}),
            timeoutMs: TIMEOUT_MS,
          }
        : {
            ...(resolverFlag ? { resolver: resolverFlag } : {}),
            dial: async (ip) => ({ host: ip, port: 80 }),
            timeoutMs: TIMEOUT_MS,
          };
      checks.push(...(await dataPlane(input, plane)));
    }
    return report(session.flags.json === true, checks, fromVpc, session.output);
  } finally {
    await environment.close();
  }
}

/**
 * `--resolver` is `ip` or `ip:port`. In the sandbox it replaces the loopback stand-in of the
 * VPC resolver, and nothing may leave the machine there: only 127.0.0.0/8 is accepted.
 */
function checkResolverFlag(flag: string, sandbox: boolean): void {
  const [ip = '', port, ...rest] = flag.split(':');
  const portOk = port === undefined || (/^\d{1,5}$/.test(port) && Number(port) <= 65535);
  if (!isIpv4(ip) || !portOk || rest.length > 0 || Number(port) === 0) {
    throw new UserError(
      'INVALID_VALUE',
      `--resolver ${flag} is not an IPv4 address with an optional port (ip or ip:port).`,
    );
  }
  if (sandbox && !ip.startsWith('127.')) {
    throw new UserError(
      'INVALID_VALUE',
      `--resolver ${flag} is not a loopback address: in the sandbox nothing is sent off this ` +
        'machine.',
      'Leave --resolver out to use the sandbox VPC resolver, or pass 127.0.0.1:<port> of a ' +
        'local DNS server.',
    );
  }
}

function controlPlane(input: CheckInput): Promise<CheckResult[]> {
  const path = aws.findAwsPath(input);
  path.catch(() => undefined);
  const targets = path.then((p) => p.rule && (p.rule.TargetIps ?? []).map((t) => t.Ip ?? ''));
  targets.catch(() => undefined);
  return Promise.all([
    gcp.checkEndpoint(input),
    gcp.checkAdvertised(input),
    aws.checkVpcRoute(input, path),
    gcp.checkRecords(input),
    gcp.checkForwarding(input, targets),
    aws.checkEndpoint(input, path),
    aws.checkAssociation(input, path),
  ]);
}

function dataPlane(input: CheckInput, plane: DataPlane): Promise<CheckResult[]> {
  return Promise.all([
    checkResolution(input, plane, 'bigquery.googleapis.com'),
    checkResolution(input, plane, 'storage.googleapis.com'),
    checkGenerate204(input, plane),
  ]);
}

function report(
  json: boolean,
  checks: CheckResult[],
  fromVpc: boolean,
  output: Parameters<typeof paintResults>[0],
): number {
  const ok = checks.every((check) => check.ok);
  if (json) {
    emitJson({ ok, checks });
    return ok ? 0 : 1;
  }
  const c = paintResults(output);
  for (const check of checks) {
    emit(`${check.ok ? c.green('✓') : c.red('✗')} ${check.title}`);
    emit(c.dim(`    ${check.reason}`));
    if (!check.ok && check.fix) emit(`    ${c.yellow('fix:')} ${check.fix}`);
  }
  if (!fromVpc) {
    say(
      '\nFrom an EC2 instance in the VPC, also run `psc-bridge verify --from-vpc`, or by hand: ' +
        '`dig bigquery.googleapis.com` (CNAME to the endpoint, A the PSC IP), ' +
        '`curl -i http://<psc ip>/generate_204` (204) and a `bq query`.',
    );
  }
  return ok ? 0 : 1;
}
