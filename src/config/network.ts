import ipaddr from 'ipaddr.js';

/** True when `ip` lies inside `cidr` (both IPv4). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const address = ipaddr.IPv4.parse(ip);
  const [network, bits] = ipaddr.IPv4.parseCIDR(cidr);
  return address.match(network, bits);
}

/** The first of `cidrs` that holds `ip`, or undefined. */
export function cidrHolding(ip: string, cidrs: readonly string[]): string | undefined {
  return cidrs.find((cidr) => ipInCidr(ip, cidr));
}

/** True when two IPv4 CIDR blocks share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const [netA, bitsA] = ipaddr.IPv4.parseCIDR(a);
  const [netB, bitsB] = ipaddr.IPv4.parseCIDR(b);
  const shorter = Math.min(bitsA, bitsB);
  return netA.match(netB, shorter);
}
