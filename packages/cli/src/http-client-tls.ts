import { readFileSync } from 'node:fs';
import { type HttpClientTls, ValidationError } from '@tandem/protocol';
import type { Command } from 'commander';
import { envName } from './flag-option.js';

const named = (long: string): string => `${long} (${envName(long)})`;

function read(path: string, long: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new ValidationError(named(long), `cannot read ${path}: ${(err as Error).message}`);
  }
  if (!data.toString('latin1').includes('-----BEGIN ')) throw new ValidationError(named(long), `${path} is not a PEM file`);
  return data;
}

/** The client's TLS material, or undefined without `--tls-ca`; `--tls-cert` and `--tls-key` go together and need `--tls-ca`. */
export function httpClientTls(cmd: Command): HttpClientTls | undefined {
  const o = cmd.opts() as { tlsCa?: string; tlsCert?: string; tlsKey?: string };
  const given = (v: string | undefined): v is string => v !== undefined && v !== '';
  if (given(o.tlsCert) !== given(o.tlsKey)) {
    throw new ValidationError(named(given(o.tlsCert) ? '--tls-key' : '--tls-cert'), 'missing: a client certificate takes --tls-cert and --tls-key together');
  }
  if (!given(o.tlsCa)) {
    if (given(o.tlsCert)) throw new ValidationError(named('--tls-ca'), "missing: --tls-cert needs the CA that signed the API's certificate");
    return undefined;
  }
  return {
    ca: read(o.tlsCa, '--tls-ca'),
    ...(given(o.tlsCert) && given(o.tlsKey) ? { cert: read(o.tlsCert, '--tls-cert'), key: read(o.tlsKey, '--tls-key') } : {}),
  };
}

/** The API's URL: with TLS, an unchanged default `http://` URL becomes `https://` (an explicit `http://` stays, and is refused, never tried). */
export function apiUrl(cmd: Command, url: string, tls: HttpClientTls | undefined): string {
  if (tls && cmd.getOptionValueSource('url') === 'default' && url.startsWith('http://')) return `https://${url.slice('http://'.length)}`;
  return url;
}
