import { describe, expect, it } from 'vitest';
import { corsAnswer, parseCorsOrigins } from './cors.js';
import { basicAuthorization, FORWARDED_PRINCIPAL_HEADER, HttpAuth } from './http-auth.js';

// Who an HTTP request is (credentials, client certificate, a sibling process's forward)
// and the CORS decision: the pure parts of the HTTPS, auth and CORS piece.

const alice = basicAuthorization('alice:pw');

describe('http principals', () => {
  it('http principals - a certificate is the principal without a header; a header decides when sent, a wrong one is 401', () => {
    const auth = new HttpAuth({ basic: [{ user: 'alice', password: 'pw' }] });
    expect(auth.check('GET', '/x', {}, 'operator/bob')).toEqual({ ok: true, principal: 'operator/bob' });
    expect(auth.check('GET', '/x', { authorization: alice }, 'operator/bob')).toEqual({ ok: true, principal: 'alice' });
    expect(auth.check('GET', '/x', { authorization: basicAuthorization('alice:no') }, 'operator/bob')).toMatchObject({ ok: false, status: 401 });
    expect(auth.check('GET', '/x', {})).toMatchObject({ ok: false, status: 401 });
    // Without credentials configured the API is open, and a certificate still names the caller.
    expect(new HttpAuth().check('GET', '/x', {}, 'operator/bob')).toEqual({ ok: true, principal: 'operator/bob' });
    expect(new HttpAuth().check('GET', '/x', {})).toEqual({ ok: true, principal: undefined });
  });

  it('http principals - open paths are per API (the master and agent: /health)', () => {
    const auth = new HttpAuth({ tokens: [{ principal: 'ci', token: 't' }] }).with({ openPaths: ['/health'] });
    expect(auth.check('GET', '/health?x=1', {})).toEqual({ ok: true, principal: undefined });
    expect(auth.check('GET', '/ping', {})).toMatchObject({ ok: false, status: 401 });
    expect(auth.check('GET', '/api/v1/state', { authorization: 'Bearer t' })).toEqual({ ok: true, principal: 'ci' });
  });

  it('http principals - a forwarded principal is taken only from a trusted proxy, which never lends its own', () => {
    const open = new HttpAuth().with({ trustedProxies: ['framework/apps'] });
    const fwd = { [FORWARDED_PRINCIPAL_HEADER]: 'operator/bob' };
    expect(open.check('GET', '/v2/apps', fwd, 'framework/apps')).toEqual({ ok: true, principal: 'operator/bob' });
    // The proxy forwarding an anonymous request: no principal, not the proxy's.
    expect(open.check('GET', '/v2/apps', {}, 'framework/apps')).toEqual({ ok: true, principal: undefined });
    // Anyone else sending the header: ignored.
    expect(open.check('GET', '/v2/apps', fwd, 'operator/mallory')).toEqual({ ok: true, principal: 'operator/mallory' });
    expect(open.check('GET', '/v2/apps', fwd)).toEqual({ ok: true, principal: undefined });
    const auth = new HttpAuth({ basic: [{ user: 'alice', password: 'pw' }] }).with({ trustedProxies: ['framework/apps'] });
    expect(auth.check('GET', '/v2/apps', fwd, 'framework/apps')).toEqual({ ok: true, principal: 'operator/bob' });
    expect(auth.check('GET', '/v2/apps', { authorization: alice }, 'framework/apps')).toEqual({ ok: true, principal: 'alice' });
    expect(auth.check('GET', '/v2/apps', {}, 'framework/apps')).toMatchObject({ ok: false, status: 401 });
    expect(auth.check('GET', '/v2/apps', fwd, 'operator/mallory')).toEqual({ ok: true, principal: 'operator/mallory' });
  });

  it('cors - origins parse or name the flag; the answer is empty unless the origin is listed; preflights are marked', () => {
    expect(parseCorsOrigins(['https://ui.example, http://localhost:3000/'], '--cors-origin')).toEqual(['https://ui.example', 'http://localhost:3000']);
    expect(parseCorsOrigins(['*'], '--cors-origin')).toEqual(['*']);
    expect(() => parseCorsOrigins(['https://ui.example/app'], '--cors-origin')).toThrow(/--cors-origin.*not an origin/);
    expect(() => parseCorsOrigins(['ftp://x'], '--cors-origin')).toThrow(/not an origin/);
    expect(() => parseCorsOrigins(['ui.example'], '--cors-origin')).toThrow(/not an origin/);

    const ui = 'https://ui.example';
    expect(corsAnswer(undefined, 'GET', { origin: ui })).toEqual({ headers: {}, preflight: false });
    expect(corsAnswer([ui], 'GET', {})).toEqual({ headers: {}, preflight: false });
    expect(corsAnswer([ui], 'GET', { origin: 'https://evil.example' })).toEqual({ headers: { vary: 'Origin' }, preflight: false });
    expect(corsAnswer([ui], 'GET', { origin: ui }).headers).toMatchObject({ 'access-control-allow-origin': ui, 'access-control-allow-credentials': 'true' });
    const pre = corsAnswer([ui], 'OPTIONS', { origin: ui, 'access-control-request-method': 'DELETE' });
    expect(pre.preflight).toBe(true);
    expect(pre.headers['access-control-allow-methods']).toContain('DELETE');
    // An OPTIONS that is not a preflight is not answered by CORS.
    expect(corsAnswer([ui], 'OPTIONS', { origin: ui }).preflight).toBe(false);
    const any = corsAnswer(['*'], 'GET', { origin: 'https://anyone.example' }).headers;
    expect(any['access-control-allow-origin']).toBe('*');
    expect(any['access-control-allow-credentials']).toBeUndefined();
  });
});
