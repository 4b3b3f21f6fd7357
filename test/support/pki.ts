import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HttpClientTls, httpRequestText, readTlsFiles, type TlsFiles } from '@tandem/protocol';
import type { CertRole } from '../../packages/cli/src/certs/cert-roles.js';
import { initCa, issueCert } from '../../packages/cli/src/certs/cluster-ca.js';
import { tempDir } from './cluster.js';

/** A cluster CA in a temp dir, and certificates from it as `tandem certs` issues them. */
export interface Pki {
  dir: string;
  /** The CA certificate (PEM). */
  ca: Buffer;
  /** Issues (once) and reads `role`/`name`'s files; `hosts` makes it able to serve (localhost, 127.0.0.1 by default for every role but operator). */
  tls(role: CertRole, name: string, hosts?: readonly string[]): Promise<TlsFiles>;
  /** The three flags of `role`/`name`'s files (issued before by `tls`). */
  args(role: CertRole, name: string): string[];
}

const LOCAL = ['localhost', '127.0.0.1'];

export async function makePki(prefix = 'tandem-pki-'): Promise<Pki> {
  const dir = tempDir(prefix);
  await initCa(dir);
  const issued = new Map<string, TlsFiles>();
  const files = (role: string, name: string) => ({ cert: join(dir, `${role}-${name}.crt`), key: join(dir, `${role}-${name}.key`), ca: join(dir, 'ca.crt') });
  return {
    dir,
    ca: readFileSync(join(dir, 'ca.crt')),
    async tls(role, name, hosts) {
      const key = `${role}-${name}`;
      const known = issued.get(key);
      if (known) return known;
      await issueCert({ dir, role, name, hosts: hosts ?? (role === 'operator' ? [] : LOCAL) });
      const tls = readTlsFiles(files(role, name));
      issued.set(key, tls);
      return tls;
    },
    args(role, name) {
      const f = files(role, name);
      return ['--tls-cert', f.cert, '--tls-key', f.key, '--tls-ca', f.ca];
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: reply bodies are checked by assertion
export type Reply = { status: number; body: any; headers: Record<string, string | string[] | undefined> };

/** One request over HTTP(S) (`httpRequestText`, with `tls` for HTTPS): JSON in, JSON (or text) out. Rejects when no answer comes. */
export async function request(
  base: string,
  method: string,
  path: string,
  o: { tls?: HttpClientTls; authorization?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.authorization) headers.authorization = o.authorization;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const res = await httpRequestText(`${base}${path}`, {
    method,
    headers,
    signal: AbortSignal.timeout(10_000),
    tls: o.tls,
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  });
  let body: unknown = res.text;
  try {
    body = res.text ? JSON.parse(res.text) : undefined;
  } catch {
    // text
  }
  return { status: res.status, body, headers: res.headers };
}
