import { Code, TandemError } from '../errors.js';
import type { BasicCredential } from '../http/http-credentials.js';

/** A principal and its secret, as a client sends it (`--credential FILE`). */
export interface GrpcCredential {
  principal: string;
  secret: string;
}

function invalid(source: string, message: string): TandemError {
  return new TandemError(Code.InvalidArgument, `${source}: ${message}`, { field: source });
}

function entryOf(line: string, source: string): GrpcCredential {
  const colon = line.indexOf(':');
  const space = line.search(/\s/);
  // `principal secret` or `principal:secret`, whichever separator comes first; the secret may hold either.
  const at = space > 0 && (colon < 0 || space < colon) ? space : colon;
  if (at <= 0) throw invalid(source, 'expected "principal secret" or "principal:secret"');
  const principal = line.slice(0, at);
  const secret = line.slice(at + 1).trim();
  if (secret === '') throw invalid(source, `the secret of ${JSON.stringify(principal)} is empty`);
  return { principal, secret };
}

function fromJson(text: string, source: string): GrpcCredential[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw invalid(source, `not valid JSON: ${(err as Error).message}`);
  }
  const list = (doc as { credentials?: unknown } | null)?.credentials;
  if (!Array.isArray(list)) throw invalid(source, 'expected {"credentials": [{"principal": "...", "secret": "..."}]} (Mesos\' format)');
  return list.map((c, i) => {
    const e = c as { principal?: unknown; secret?: unknown } | null;
    if (typeof e?.principal !== 'string' || e.principal === '') throw invalid(`${source} credentials[${i}].principal`, 'expected a non-empty string');
    if (typeof e.secret !== 'string' || e.secret === '') throw invalid(`${source} credentials[${i}].secret`, 'expected a non-empty string');
    if (/[\s:]/.test(e.principal)) throw invalid(`${source} credentials[${i}].principal`, 'a principal may not hold white space or ":"');
    return { principal: e.principal, secret: e.secret };
  });
}

/**
 * A credentials file: one `principal secret` or `principal:secret` a line (`#` comments and
 * blank lines skipped), or Mesos' JSON `{"credentials": [{"principal": ..., "secret": ...}]}`.
 * Errors name `source` and the line; never a secret.
 */
export function parseCredentials(text: string, source: string): GrpcCredential[] {
  if (/^\s*\{/.test(text)) return fromJson(text, source);
  const out: GrpcCredential[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    out.push(entryOf(line, `${source} line ${i + 1}`));
  });
  return out;
}

/** A client's one credential (`--credential FILE`): the file must hold exactly one. */
export function parseCredential(text: string, source: string): GrpcCredential {
  const all = parseCredentials(text, source);
  if (all.length !== 1) throw invalid(source, `expected one credential, found ${all.length}`);
  return all[0]!;
}

/** As HttpAuth's Basic entries (user = principal, password = secret). */
export function asBasic(c: readonly GrpcCredential[]): BasicCredential[] {
  return c.map((x) => ({ user: x.principal, password: x.secret }));
}
