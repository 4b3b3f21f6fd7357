import { readFile } from 'node:fs/promises';
import {
  type BasicCredential,
  type BearerToken,
  basicAuthorization,
  Code,
  HttpAuth,
  parseBasicCredential,
  parseBasicCredentialList,
  parseBasicCredentialsFile,
  parseBearerTokensFile,
  TandemError,
} from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';

/** The flags of a server's HTTP authentication (apps and jobs serve, up). */
export const httpAuthSchema = z.object({
  httpCredentials: z.string().optional(),
  httpCredentialsFile: z.string().min(1).optional(),
  httpTokensFile: z.string().min(1).optional(),
});

export type HttpAuthFlags = z.output<typeof httpAuthSchema>;

async function read(file: string, source: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new TandemError(Code.InvalidArgument, `${source}: cannot read ${file}: ${(err as Error).message}`, { field: source, cause: err });
  }
}

/** The HttpAuth the flags configure, or undefined when none is set (the API is open). Bad entries name the flag and line. */
export async function httpAuthFrom(o: HttpAuthFlags): Promise<HttpAuth | undefined> {
  const basic: BasicCredential[] = [];
  const tokens: BearerToken[] = [];
  if (o.httpCredentials !== undefined) basic.push(...parseBasicCredentialList(o.httpCredentials, '--http-credentials (TANDEM_HTTP_CREDENTIALS)'));
  if (o.httpCredentialsFile !== undefined) {
    basic.push(...parseBasicCredentialsFile(await read(o.httpCredentialsFile, '--http-credentials-file'), `--http-credentials-file ${o.httpCredentialsFile}`));
  }
  if (o.httpTokensFile !== undefined) {
    tokens.push(...parseBearerTokensFile(await read(o.httpTokensFile, '--http-tokens-file'), `--http-tokens-file ${o.httpTokensFile}`));
  }
  if (o.httpCredentialsFile !== undefined || o.httpTokensFile !== undefined) {
    if (basic.length === 0 && tokens.length === 0) {
      throw new TandemError(
        Code.InvalidArgument,
        '--http-credentials-file / --http-tokens-file: the files hold no credentials (an open API would not be what was asked)',
      );
    }
  }
  return basic.length > 0 || tokens.length > 0 ? new HttpAuth({ basic, tokens }) : undefined;
}

/** The Authorization header for a client's `--http-credentials`, or undefined. */
export function clientAuthorization(cmd: Command): string | undefined {
  const value = cmd.opts().httpCredentials as string | undefined;
  if (value === undefined || value === '') return undefined;
  const { user, password } = parseBasicCredential(value.trim(), '--http-credentials (TANDEM_HTTP_CREDENTIALS)');
  return basicAuthorization(`${user}:${password}`);
}
