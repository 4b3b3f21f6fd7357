import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * The addresses the fetcher never downloads from, whatever a task asks: a task's URI is
 * the framework's (or its users') choice, and the agent's own network position must not
 * become theirs (server-side request forgery). Link-local addresses hold the cloud
 * metadata services (credentials of the host's role): always refused. This host's
 * loopback addresses reach the agent's own APIs and every local service: refused unless
 * the operator allows them (`--fetch-allow-loopback`, which tests serving files from
 * 127.0.0.1 use). Private networks (10/8, 172.16/12, 192.168/16, fc00::/7) stay allowed:
 * artifact servers live there.
 */
const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LINK_LOCAL.addSubnet('fe80::', 10, 'ipv6');
// AWS's metadata service on IPv6 (a unique local address, not link-local).
LINK_LOCAL.addAddress('fd00:ec2::254', 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
// 0.0.0.0 and :: reach this host when connected to.
LOOPBACK.addSubnet('0.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addAddress('::', 'ipv6');

/** Why the fetcher refuses `address` (an IP address), or undefined. IPv4-mapped IPv6 addresses count as their IPv4 address. */
export function addressRefusal(address: string, allowLoopback: boolean): string | undefined {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (LINK_LOCAL.check(address, family)) {
    return `the address ${address} is link-local (cloud metadata services live there); the agent never fetches from it`;
  }
  if (!allowLoopback && LOOPBACK.check(address, family)) {
    return `the address ${address} is this host's loopback; the agent fetches from it only when its operator allows it (tandem agent --fetch-allow-loopback)`;
  }
  return undefined;
}

/** The URL's host when it is an IP address (without IPv6's brackets), else undefined. */
export function literalHostOf(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : undefined;
}

/**
 * A `lookup` for http(s) requests that refuses a name resolving to a refused address: the
 * socket connects to what this returns, so the check cannot be raced by a second lookup.
 * Every address a name resolves to must be allowed.
 */
export function guardedLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      for (const a of addresses) {
        const refused = addressRefusal(a.address, allowLoopback);
        if (refused) {
          // A TandemError would lose its type through the socket; the message is what counts.
          return callback(Object.assign(new Error(`${hostname} resolves to ${a.address}: ${refused}`), { code: 'EREFUSEDADDRESS' }), '', 0);
        }
      }
      if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}
