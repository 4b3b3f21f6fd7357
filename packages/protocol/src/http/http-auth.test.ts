import { describe, expect, it } from 'vitest';
import { basicAuthorization, HttpAuth } from './http-auth.js';
import { parseBasicCredentialList, parseBasicCredentialsFile, parseBearerTokensFile } from './http-credentials.js';

describe('http auth', () => {
  it('http auth - credential lists and files parse; bad entries name the flag and the line', () => {
    expect(parseBasicCredentialList('alice:s3cr:et, bob:pw', '--http-credentials')).toEqual([
      { user: 'alice', password: 's3cr:et' },
      { user: 'bob', password: 'pw' },
    ]);
    expect(parseBasicCredentialsFile('# ops\nalice:pw\n\n bob:x \n', '--http-credentials-file')).toEqual([
      { user: 'alice', password: 'pw' },
      { user: 'bob', password: 'x' },
    ]);
    expect(parseBearerTokensFile('ci  tok-1\n# comment\ndeploy tok-2\n', '--http-tokens-file')).toEqual([
      { principal: 'ci', token: 'tok-1' },
      { principal: 'deploy', token: 'tok-2' },
    ]);
    expect(() => parseBasicCredentialList('alice', '--http-credentials')).toThrow(/^--http-credentials: expected user:password/);
    expect(() => parseBasicCredentialList(' , ', 'TANDEM_HTTP_CREDENTIALS')).toThrow(/^TANDEM_HTTP_CREDENTIALS: expected/);
    expect(() => parseBasicCredentialList('alice:', '--http-credentials')).toThrow(/the password of "alice" is empty/);
    expect(() => parseBasicCredentialList(':pw', '--http-credentials')).toThrow(/expected user:password/);
    expect(() => parseBasicCredentialsFile('alice:pw\nbroken\n', '--http-credentials-file')).toThrow(/^--http-credentials-file line 2: /);
    expect(() => parseBearerTokensFile('ci tok extra\n', '--http-tokens-file')).toThrow(/^--http-tokens-file line 1: expected "principal token"/);
    // A refused entry does not echo a password.
    expect(() => parseBasicCredentialsFile('al ice:hunter2\n', 'f')).not.toThrow(/hunter2/);
  });

  it('http auth - open without credentials; with them only valid Basic or Bearer pass, /ping stays open', () => {
    expect(new HttpAuth().check('POST', '/v2/apps', {})).toEqual({ ok: true, principal: undefined });
    const auth = new HttpAuth({ basic: [{ user: 'alice', password: 'pw' }], tokens: [{ principal: 'ci', token: 'tok' }] });
    expect(auth.check('GET', '/v2/apps', { authorization: basicAuthorization('alice:pw') })).toEqual({ ok: true, principal: 'alice' });
    expect(auth.check('GET', '/v2/apps', { authorization: 'Bearer tok' })).toEqual({ ok: true, principal: 'ci' });
    for (const authorization of [undefined, basicAuthorization('alice:nope'), basicAuthorization('bob:pw'), 'Bearer nope', 'Basic', 'Digest x']) {
      const d = auth.check('GET', '/v2/apps?embed=x', authorization === undefined ? {} : { authorization });
      expect(d.ok, authorization).toBe(false);
      if (!d.ok) {
        expect(d.status).toBe(401);
        expect(d.headers['www-authenticate']).toBe('Basic realm="tandem"');
      }
    }
    expect(auth.check('GET', '/ping', {}).ok).toBe(true);
    expect(auth.check('GET', '/ping/x', {}).ok).toBe(false);
  });

  it('http auth - the authorizer seam: a deny is 403 naming the principal', () => {
    const auth = new HttpAuth({ basic: [{ user: 'alice', password: 'pw' }], authorize: (p, r) => (p === 'alice' && r.method === 'DELETE' ? 'deny' : 'allow') });
    const header = { authorization: basicAuthorization('alice:pw') };
    expect(auth.check('GET', '/v2/apps', header).ok).toBe(true);
    const d = auth.check('DELETE', '/v2/apps/x?force=true', header);
    expect(d).toMatchObject({ ok: false, status: 403, body: { message: 'alice is not allowed to DELETE /v2/apps/x' } });
  });
});
