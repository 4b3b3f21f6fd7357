import { Code, TandemError } from '../errors.js';

/** A user name and password for HTTP Basic authentication (Marathon's `--http_credentials`). */
export interface BasicCredential {
  user: string;
  password: string;
}

/** A bearer token and the principal it stands for. */
export interface BearerToken {
  principal: string;
  token: string;
}

function invalid(source: string, message: string): TandemError {
  return new TandemError(Code.InvalidArgument, `${source}: ${message}`, { field: source });
}

/** One `user:pass`; the password may hold colons, the user may not. */
export function parseBasicCredential(entry: string, source: string): BasicCredential {
  const colon = entry.indexOf(':');
  if (colon <= 0)
    throw invalid(source, `expected user:password, got ${JSON.stringify(entry.length > 40 ? `${entry.slice(0, 40)}...` : entry.replace(/:.*/, ':***'))}`);
  const user = entry.slice(0, colon);
  const password = entry.slice(colon + 1);
  if (/\s/.test(user)) throw invalid(source, `the user name ${JSON.stringify(user)} holds white space`);
  if (password.length === 0) throw invalid(source, `the password of ${JSON.stringify(user)} is empty`);
  return { user, password };
}

/** `user:pass[,user2:pass2]` (a flag or TANDEM_HTTP_CREDENTIALS). */
export function parseBasicCredentialList(text: string, source: string): BasicCredential[] {
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw invalid(source, 'expected user:password[,user2:password2], got nothing');
  return entries.map((e) => parseBasicCredential(e, source));
}

function lines(text: string): { line: string; n: number }[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'));
}

/** A credentials file: one `user:pass` a line; blank lines and `#` comments are skipped. */
export function parseBasicCredentialsFile(text: string, source: string): BasicCredential[] {
  return lines(text).map(({ line, n }) => parseBasicCredential(line, `${source} line ${n}`));
}

/** A tokens file: one `principal token` a line; blank lines and `#` comments are skipped. */
export function parseBearerTokensFile(text: string, source: string): BearerToken[] {
  return lines(text).map(({ line, n }) => {
    const parts = line.split(/\s+/);
    if (parts.length !== 2) throw invalid(`${source} line ${n}`, `expected "principal token" (two words), got ${parts.length} word(s)`);
    return { principal: parts[0]!, token: parts[1]! };
  });
}
