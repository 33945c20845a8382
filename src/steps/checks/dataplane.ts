import { Resolver } from 'node:dns/promises';
import { request } from 'node:http';
import { replaceRecord, zoneName } from './fixes.js';
import { type CheckInput, type CheckResult, type DataPlane, fail, pass } from './types.js';

const DNS_REASONS: Record<string, string> = {
  ENOTFOUND: 'the name does not exist there',
  ESERVFAIL: 'the resolver could not get an answer (forwarder unreachable or a CNAME loop)',
  ETIMEOUT: 'the resolver did not answer in time',
  ECONNREFUSED: 'nothing answers DNS at that address',
};

/** From inside the VPC, `name` resolves to a CNAME of the endpoint and then to the PSC IP. */
export async function checkResolution(
  input: CheckInput,
  plane: DataPlane,
  name: string,
): Promise<CheckResult> {
  const { config } = input;
  const id = `resolve-${name.split('.')[0]}`;
  const endpoint = `${config.pscEndpoint}.googleapis.com`;
  const title = `${name} resolves to ${endpoint} and ${config.pscIp}`;
  const resolver = new Resolver({ timeout: plane.timeoutMs, tries: 1 });
  if (plane.resolver) resolver.setServers([plane.resolver]);

  const [cnames, addresses] = await Promise.all([
    resolver.resolveCname(name).catch((error: NodeJS.ErrnoException) => error),
    resolver.resolve4(name).catch((error: NodeJS.ErrnoException) => error),
  ]);
  if (addresses instanceof Error) {
    const why = DNS_REASONS[addresses.code ?? ''] ?? addresses.message;
    return fail(id, title, `${addresses.code ?? 'error'}: ${why}`, dnsFix(addresses.code));
  }
  const chain = cnames instanceof Error ? [] : cnames;
  if (!addresses.includes(config.pscIp ?? '')) {
    const via = chain.length > 0 ? ` via ${chain.join(', ')}` : '';
    const got = `it resolves to ${addresses.join(', ')}${via}`;
    // The CNAME to the endpoint name exists only in the private zone: the query was
    // forwarded to GCP, and it is the zone's A record that holds another address.
    if (chain.includes(endpoint)) {
      return fail(
        id,
        title,
        `${got}: the private zone answered, but its ${endpoint}. A record holds ` +
          `${addresses.join(', ')}, not ${config.pscIp}`,
        replaceRecord(input, zoneName(input), `${endpoint}.`, 'A'),
      );
    }
    return fail(
      id,
      title,
      `${got}: the public answer, so the VPC resolver does not forward googleapis.com. to GCP`,
      'Run `psc-bridge associate` (and check `psc-bridge status`).',
    );
  }
  if (!chain.includes(endpoint)) {
    return fail(
      id,
      title,
      `no CNAME to ${endpoint} (got ${chain.join(', ') || 'none'})`,
      'Run `psc-bridge add-records`.',
    );
  }
  return pass(id, title, `CNAME ${endpoint}, A ${addresses.join(', ')}`);
}

function dnsFix(code: string | undefined): string {
  if (code === 'ENOTFOUND') return 'Run `psc-bridge add-records`.';
  if (code === 'ESERVFAIL') {
    return 'Check the rule targets and the endpoint security group (`psc-bridge verify` above).';
  }
  return 'Run this from inside the VPC, or pass --resolver <ip> of the VPC resolver.';
}

/** `http://<psc ip>/generate_204` answers 204: the endpoint is reachable over the VPN. */
export async function checkGenerate204(input: CheckInput, plane: DataPlane): Promise<CheckResult> {
  const ip = input.config.pscIp ?? '';
  const id = 'psc-http';
  const title = `http://${ip}/generate_204 answers 204`;
  // Re-running advertise-route is no fix by itself (see READVERTISE): point at the checks
  // that say which hop is missing.
  const fix =
    'See the route-advertised and vpc-route checks (run `psc-bridge verify`) and the VPN ' +
    'tunnels; run this from inside the VPC.';
  try {
    const target = await plane.dial(ip);
    const status = await get(target, '/generate_204', plane.timeoutMs);
    if (status === 204) return pass(id, title, 'the PSC endpoint answered 204');
    return fail(id, title, `it answered ${status}`, fix);
  } catch (error) {
    return fail(id, title, error instanceof Error ? error.message : String(error), fix);
  }
}

function get(
  target: { host: string; port: number; headers?: Record<string, string> },
  path: string,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.host, port: target.port, path, headers: target.headers, timeout: timeoutMs },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A reset or hang-up before any reply is how an unreachable endpoint looks from here.
      const dropped = error.code === 'ECONNRESET' || error.message === 'socket hang up';
      if (dropped) reject(new Error('no answer: the connection was dropped before any reply'));
      else if (error.message.startsWith('no answer')) reject(error);
      else reject(new Error(`request failed: ${error.message}`));
    });
    req.end();
  });
}
