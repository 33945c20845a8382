export {
  type DataPlane,
  type DataPlaneOptions,
  type LoopbackTarget,
  pscStandIn,
  startDataPlane,
  vpcResolverAddress,
} from './data-plane.js';
export { startVpcDns, type VpcDnsOptions, type VpcDnsServer } from './dns-server.js';
export type { Vantage } from './network.js';
export { type PscHttpOptions, type PscHttpServer, startPscHttp } from './psc-http.js';
export { type PscReach, reachPscFromVpc } from './psc-reach.js';
export type { DnsRecord } from './records.js';
export {
  type AnswerSource,
  type DnsRcode,
  resolveFromVpc,
  type VpcResolution,
} from './resolution.js';
