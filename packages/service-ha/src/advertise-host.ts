import { hostname } from 'node:os';

const ANY = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The host other processes and clients reach this one at (what `/v2/leader` names and a
 * standby forwards to): `explicit` when given, else the listening host, unless that is
 * every interface (0.0.0.0, ::), then the machine's hostname.
 */
export function advertiseHostFor(host: string, explicit?: string): string {
  if (explicit !== undefined && explicit !== '') return explicit;
  return ANY.has(host) ? hostname() : host;
}
