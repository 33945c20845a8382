// Preloaded (node --import) into every Node process the test suite starts, CLI children included,
// through NODE_OPTIONS set by test/run.mjs. It refuses any TCP connection, UDP datagram or name
// lookup aimed anywhere but this machine's loopback, and appends each attempt to the file named
// by PSC_BRIDGE_NET_GUARD_LOG, because some callers (credential chains probing a metadata
// server, for one) swallow the error: test/run.mjs fails the run when that file is not empty.

import dgram from 'node:dgram';
import dns from 'node:dns';
import { appendFileSync } from 'node:fs';
import net, { isIP } from 'node:net';

function isLoopbackHost(host) {
  if (host === undefined || host === null || host === '') return true; // Node's default: localhost
  const name = String(host)
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  const v4 = name.startsWith('::ffff:') ? name.slice(7) : name;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

function refuse(kind, host, port) {
  const where = port === undefined ? String(host) : `${host}:${port}`;
  const command = process.argv.slice(1).join(' ');
  const line = `${kind} to ${where} refused in pid ${process.pid} (${command})`;
  const log = process.env.PSC_BRIDGE_NET_GUARD_LOG; // read late: a test may point it elsewhere
  if (log) appendFileSync(log, `${line}\n`);
  const error = new Error(`net-guard: ${line}; tests may only reach 127.0.0.1`);
  error.code = 'ENETUNREACH';
  return error;
}

// net.Socket#connect is where every TCP client ends up (http, https, undici's fetch, SDKs).
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  let first = args[0];
  if (Array.isArray(first)) first = first[0]; // http's agents pass normalized [options, cb]
  let host;
  let port;
  if (first !== null && typeof first === 'object') {
    if (first.path === undefined) {
      host = first.host;
      port = first.port;
    }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    port = first;
    host = typeof args[1] === 'string' ? args[1] : undefined;
  }
  if (port !== undefined && !isLoopbackHost(host)) {
    const error = refuse('TCP connection', host, port);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};

// UDP: our DNS checks talk to the sandbox's responder on 127.0.0.1 and nothing else.
const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function guardedSend(...args) {
  const address = args.find((arg, index) => index > 0 && typeof arg === 'string');
  if (address !== undefined && !isLoopbackHost(address)) throw refuse('UDP datagram', address);
  return send.apply(this, args);
};
const udpConnect = dgram.Socket.prototype.connect;
dgram.Socket.prototype.connect = function guardedUdpConnect(port, address, ...rest) {
  if (typeof address === 'string' && !isLoopbackHost(address))
    throw refuse('UDP connect', address, port);
  return udpConnect.call(this, port, address, ...rest);
};

// A lookup of a public name would itself send a packet to the system's resolver.
const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, options, callback) {
  if (!isLoopbackHost(hostname) && isIP(String(hostname)) === 0) {
    const done = typeof options === 'function' ? options : callback;
    const error = refuse('DNS lookup', hostname);
    process.nextTick(() => done(error));
    return {};
  }
  return lookup.call(this, hostname, options, callback);
};
const promiseLookup = dns.promises.lookup;
dns.promises.lookup = async function guardedPromiseLookup(hostname, options) {
  if (!isLoopbackHost(hostname) && isIP(String(hostname)) === 0)
    throw refuse('DNS lookup', hostname);
  return promiseLookup.call(this, hostname, options);
};

// dns.Resolver (c-ares) sends its own datagrams, to the system's servers unless told otherwise.
function serverHost(server) {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(server);
  if (bracketed) return bracketed[1];
  return isIP(server) === 6 ? server : server.replace(/:\d+$/, '');
}
for (const Resolver of [dns.Resolver, dns.promises.Resolver]) {
  for (const method of Object.getOwnPropertyNames(Resolver.prototype)) {
    if (!/^(resolve|reverse)/.test(method)) continue;
    const original = Resolver.prototype[method];
    Resolver.prototype[method] = function guardedResolve(...args) {
      const outside = this.getServers().find((server) => !isLoopbackHost(serverHost(server)));
      if (outside === undefined) return original.apply(this, args);
      const error = refuse('DNS query', outside);
      if (Resolver === dns.promises.Resolver) return Promise.reject(error);
      const done = args.findLast((arg) => typeof arg === 'function');
      process.nextTick(() => done(error));
      return {};
    };
  }
}
for (const [module, rejects] of [
  [dns, false],
  [dns.promises, true],
]) {
  for (const method of Object.keys(module)) {
    if (!/^(resolve|reverse)/.test(method) || typeof module[method] !== 'function') continue;
    const original = module[method];
    module[method] = function guardedModuleResolve(...args) {
      const outside = dns.getServers().find((server) => !isLoopbackHost(serverHost(server)));
      if (outside === undefined) return original.apply(this, args);
      const error = refuse('DNS query', outside);
      if (rejects) return Promise.reject(error);
      const done = args.findLast((arg) => typeof arg === 'function');
      process.nextTick(() => done(error));
      return {};
    };
  }
}
