/** IPv4 arithmetic for subnet checks and address allocation (data only, never dialled). */

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export interface Cidr {
  base: number;
  size: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const [address, bits] = text.split('/');
  if (address === undefined || bits === undefined || !/^\d{1,2}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  const ip = parseIpv4(address);
  if (ip === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: ip - (ip % size), size };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  const value = parseIpv4(ip);
  if (!range || value === undefined) return false;
  return value >= range.base && value < range.base + range.size;
}

/**
 * True when AWS keeps the address for itself: the first four addresses of a subnet (network,
 * router, DNS, future use) and the last (broadcast).
 */
export function isReservedInSubnet(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  const value = parseIpv4(ip);
  if (!range || value === undefined) return true;
  const offset = value - range.base;
  return offset < 4 || offset === range.size - 1;
}

/** Usable host addresses of a subnet, in order. */
export function usableAddresses(cidr: string): string[] {
  const range = parseCidr(cidr);
  if (!range) return [];
  const out: string[] = [];
  for (let offset = 4; offset < range.size - 1; offset += 1) {
    out.push(formatIpv4(range.base + offset));
  }
  return out;
}

export function isValidCidrV4(text: string): boolean {
  return parseCidr(text) !== undefined;
}
