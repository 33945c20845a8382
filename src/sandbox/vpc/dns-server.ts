import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { World } from '../types.js';
import type { Vantage } from './network.js';
import type { DnsRecord } from './records.js';
import { resolveFromVpc, type VpcResolution } from './resolution.js';

export interface VpcDnsOptions {
  /** The world to answer from, read afresh for every query. */
  world: () => World;
  vantage: Vantage;
  /** Port on 127.0.0.1 for UDP and TCP; 0 (the default) picks a free one. */
  port?: number;
  /**
   * How long a SERVFAIL takes, as the VPC resolver waits on targets that never answer
   * before giving up. Default 200 ms; keep it below the client's timeout.
   */
  servfailDelayMs?: number;
}

export interface VpcDnsServer {
  port: number;
  close(): Promise<void>;
}

const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 } as const;
type Rcode = keyof typeof RCODES;

interface Reply {
  packet: dnsPacket.Packet;
  delayMs: number;
}

/**
 * A DNS responder on 127.0.0.1 (UDP and TCP) that answers every query as the AWS VPC
 * resolver would for a client in `vantage`, from the current sandbox world: A and CNAME
 * through `resolveFromVpc` (an A answer carries the CNAME chain then the addresses), AAAA
 * with the same chain and no address (the modelled zones hold none), other types NOTIMP.
 */
export async function startVpcDns(options: VpcDnsOptions): Promise<VpcDnsServer> {
  const timers = new Set<NodeJS.Timeout>();
  const respond = (message: Buffer, send: (reply: Buffer) => void) => {
    const reply = replyTo(message, options);
    if (!reply) return;
    const deliver = () => send(dnsPacket.encode(reply.packet));
    if (reply.delayMs <= 0) return deliver();
    const timer = setTimeout(() => {
      timers.delete(timer);
      deliver();
    }, reply.delayMs);
    timers.add(timer);
  };

  const { udp, tcp, port } = await bindBoth(options.port ?? 0, respond);
  return {
    port,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all([closeUdp(udp), closeTcp(tcp)]);
    },
  };
}

/** The reply to one query message; undefined when the message cannot even be read. */
export function replyTo(message: Buffer, options: VpcDnsOptions): Reply | undefined {
  let query: dnsPacket.DecodedPacket;
  try {
    query = dnsPacket.decode(message);
  } catch {
    return undefined;
  }
  const question = query.questions?.[0];
  const base = { id: query.id ?? 0, rd: query.flag_rd, questions: query.questions ?? [] };
  if (query.type !== 'query' || !question || query.questions?.length !== 1) {
    return { packet: response(base, 'FORMERR', []), delayMs: 0 };
  }

  const type = question.type;
  if (type !== 'A' && type !== 'CNAME' && type !== 'AAAA') {
    return { packet: response(base, 'NOTIMP', []), delayMs: 0 };
  }
  let resolution: VpcResolution;
  try {
    const asked = type === 'CNAME' ? 'CNAME' : 'A';
    resolution = resolveFromVpc(options.world(), options.vantage, question.name, asked);
  } catch {
    // The world could not be read (say, a broken world file): fail this query, not the server.
    return { packet: response(base, 'SERVFAIL', []), delayMs: 0 };
  }
  const records = resolution.answers.filter((each) => type !== 'AAAA' || each.type === 'CNAME');
  const answers = records.map((record, index) => toAnswer(record, index, question.name));
  const failed = resolution.rcode === 'SERVFAIL';
  return {
    packet: response(base, resolution.rcode, failed ? [] : answers),
    delayMs: failed ? (options.servfailDelayMs ?? 200) : 0,
  };
}

/** The first owner keeps the question's spelling (resolvers compare it, 0x20 included). */
function toAnswer(record: DnsRecord, index: number, asked: string): dnsPacket.Answer {
  const name = index === 0 ? asked : record.name;
  return { type: record.type, name, ttl: record.ttl, class: 'IN', data: record.data };
}

function response(
  base: { id: number; rd: boolean; questions: dnsPacket.Question[] },
  rcode: Rcode,
  answers: dnsPacket.Answer[],
): dnsPacket.Packet {
  const rd = base.rd ? dnsPacket.RECURSION_DESIRED : 0;
  return {
    id: base.id,
    type: 'response',
    flags: rd | dnsPacket.RECURSION_AVAILABLE | RCODES[rcode],
    questions: base.questions,
    answers,
  };
}

type Respond = (message: Buffer, send: (reply: Buffer) => void) => void;

/** Binds UDP, then TCP on the same port (retrying with a fresh port when it is taken). */
async function bindBoth(
  port: number,
  respond: Respond,
): Promise<{ udp: Socket; tcp: TcpListener; port: number }> {
  for (let attempt = 0; ; attempt += 1) {
    const udp = await bindUdp(port, respond);
    const bound = udp.address().port;
    try {
      return { udp, tcp: await bindTcp(bound, respond), port: bound };
    } catch (error) {
      await closeUdp(udp);
      const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (port !== 0 || !taken || attempt >= 4) throw error;
    }
  }
}

function bindUdp(port: number, respond: Respond): Promise<Socket> {
  const udp = createSocket('udp4');
  udp.on('message', (message: Buffer, peer: RemoteInfo) => {
    respond(message, (reply) => udp.send(reply, peer.port, peer.address));
  });
  return new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, '127.0.0.1', () => {
      udp.off('error', reject);
      resolve(udp);
    });
  });
}

interface TcpListener {
  server: Server;
  sockets: Set<TcpSocket>;
}

function bindTcp(port: number, respond: Respond): Promise<TcpListener> {
  const sockets = new Set<TcpSocket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveTcp(socket, respond);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve({ server, sockets });
    });
  });
}

/** DNS over TCP: each message is preceded by its length on two bytes (RFC 1035 4.2.2). */
function serveTcp(socket: TcpSocket, respond: Respond): void {
  let pending = Buffer.alloc(0);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) break;
      const message = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      respond(message, (reply) => {
        if (socket.writable) socket.write(Buffer.concat([lengthPrefix(reply.length), reply]));
      });
    }
  });
}

function lengthPrefix(length: number): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(length);
  return prefix;
}

function closeUdp(udp: Socket): Promise<void> {
  return new Promise((resolve) => udp.close(() => resolve()));
}

function closeTcp({ server, sockets }: TcpListener): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}
