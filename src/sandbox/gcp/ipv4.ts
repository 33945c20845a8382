/** Small IPv4 helpers for the emulator's address checks and allocation. */

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

export function numberToIp(value: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256);
  return octets.join('.');
}

export interface Cidr {
  base: number;
  prefix: number;
  size: number;
}

/** Parses `a.b.c.d/n`; undefined when it is not a valid IPv4 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const [ip, bits, extra] = text.split('/');
  if (extra !== undefined || ip === undefined || bits === undefined) return undefined;
  if (!isIpv4(ip) || !/^\d{1,2}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const base = ipToNumber(ip) - (ipToNumber(ip) % size);
  return { base, prefix, size };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  if (!range || !isIpv4(ip)) return false;
  const value = ipToNumber(ip);
  return value >= range.base && value < range.base + range.size;
}

/**
 * The lowest free address of a GCP subnet range. GCP keeps four per primary range: the
 * network address, the gateway (first host), the second-to-last and the broadcast address.
 */
export function firstFreeHost(cidr: string, used: Iterable<string>): string | undefined {
  const range = parseCidr(cidr);
  if (!range) return undefined;
  const taken = new Set(Array.from(used, ipToNumber));
  for (let offset = 2; offset < range.size - 2; offset += 1) {
    if (!taken.has(range.base + offset)) return numberToIp(range.base + offset);
  }
  return undefined;
}

/** The gateway address GCP gives a subnet: the first host of its primary range. */
export function gatewayOf(cidr: string): string {
  const range = parseCidr(cidr);
  return range ? numberToIp(range.base + 1) : '';
}
