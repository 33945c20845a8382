import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIpv4 } from '../gcp/ipv4.js';
import type { World } from '../types.js';
import type { Vantage } from './network.js';
import { reachPscFromVpc } from './psc-reach.js';

export interface PscHttpOptions {
  /** The world to decide from, read afresh for every request. */
  world: () => World;
  vantage: Vantage;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** The modelled address stood in for when a request's Host header is not an IPv4 address. */
  ip?: string;
  /**
   * How long an unreachable request hangs before its connection is dropped, like a SYN that
   * no route carries. Default 1000 ms; 0 drops it at once (the client sees a reset).
   */
  unreachableMs?: number;
}

export interface PscHttpServer {
  /** The shared port: the modelled address comes from the Host header (or `ip`). */
  port: number;
  /**
   * A port that stands in for `ip` alone, whatever the Host header says (for clients such
   * as `fetch` that cannot set it). Opened on first use, then reused.
   */
  portFor(ip: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * A stand-in for the PSC endpoint, on 127.0.0.1. On the shared port a request names the
 * modelled address it is meant for in its Host header (as `http://10.164.128.1/...` does),
 * or `ip` applies; `portFor(ip)` gives a port for one address. When `reachPscFromVpc` says a
 * request from the VPC gets there, `GET /generate_204` answers 204 (other paths 404, as
 * Google's front end does); otherwise nothing is answered and the connection is dropped
 * after `unreachableMs`, so the client fails the way it would from a VPC without a route,
 * only sooner. Why it fails is for the caller to ask `reachPscFromVpc`.
 */
export async function startPscHttp(options: PscHttpOptions): Promise<PscHttpServer> {
  const timers = new Set<NodeJS.Timeout>();
  const serve = (fixedIp?: string) =>
    createServer((req, res) => {
      const ip = fixedIp ?? modelledIp(req, options.ip);
      if (!ip) return misdirected(res);
      let reached: boolean;
      try {
        reached = reachPscFromVpc(options.world(), options.vantage, ip).reached;
      } catch (error) {
        return broken(res, error);
      }
      if (!reached) return hang(req, options.unreachableMs ?? 1000, timers);
      answer(req, res);
    });

  const shared = serve();
  const port = await listen(shared, options.port ?? 0);
  const dedicated = new Map<string, Promise<{ server: Server; port: number }>>();
  const portFor = async (ip: string) => {
    if (!isIpv4(ip)) throw new Error(`${ip} is not an IPv4 address`);
    let opened = dedicated.get(ip);
    if (!opened) {
      const server = serve(ip);
      opened = listen(server, 0).then((bound) => ({ server, port: bound }));
      dedicated.set(ip, opened);
    }
    return (await opened).port;
  };
  const close = async () => {
    for (const timer of timers) clearTimeout(timer);
    const opened = await Promise.allSettled(dedicated.values());
    const extra = opened.flatMap((each) =>
      each.status === 'fulfilled' ? [each.value.server] : [],
    );
    await Promise.all([shared, ...extra].map(closeServer));
  };
  return { port, portFor, close };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The address the request is meant for: its Host (without a port) when that is IPv4. */
function modelledIp(req: IncomingMessage, fallback?: string): string | undefined {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  if (isIpv4(host) && host !== '127.0.0.1') return host;
  return fallback;
}

function answer(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
  const known = path === '/generate_204' && (req.method === 'GET' || req.method === 'HEAD');
  res.writeHead(known ? 204 : 404, { 'content-length': '0', connection: 'close' });
  res.end();
}

function misdirected(res: ServerResponse): void {
  const text =
    'The PSC stand-in does not know which modelled address this request is for: ' +
    'send the address in the Host header, or start it with an ip.\n';
  res.writeHead(421, { 'content-type': 'text/plain', connection: 'close' });
  res.end(text);
}

/** The world could not be read (say, a broken world file): say so instead of crashing. */
function broken(res: ServerResponse, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  res.writeHead(500, { 'content-type': 'text/plain', connection: 'close' });
  res.end(`psc-bridge sandbox failure: ${message}\n`);
}

function hang(req: IncomingMessage, ms: number, timers: Set<NodeJS.Timeout>): void {
  req.resume();
  if (ms <= 0) {
    req.socket.destroy();
    return;
  }
  const timer = setTimeout(() => {
    timers.delete(timer);
    req.socket.destroy();
  }, ms);
  timers.add(timer);
}

/** Listens on 127.0.0.1 only; resolves with the port bound. */
function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
