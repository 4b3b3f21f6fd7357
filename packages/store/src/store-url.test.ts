import { describe, expect, it } from 'vitest';
import { parseNatsCredentials } from './nats-access.js';
import { parseStoreUrl, redactStoreUrl } from './store-url.js';

describe('parseStoreUrl', () => {
  it('store url - file: and nats:// lists, default port 4222', () => {
    expect(parseStoreUrl('file:/var/lib/t')).toEqual({ kind: 'file', dir: '/var/lib/t' });
    expect(parseStoreUrl('file:rel/dir')).toEqual({ kind: 'file', dir: 'rel/dir' });
    expect(parseStoreUrl('nats://h1:4222,h2:5222,h3')).toEqual({ kind: 'nats', tls: false, servers: ['nats://h1:4222', 'nats://h2:5222', 'nats://h3:4222'] });
    expect(parseStoreUrl('nats://127.0.0.1:1,nats://[::1]:2')).toEqual({ kind: 'nats', tls: false, servers: ['nats://127.0.0.1:1', 'nats://[::1]:2'] });
  });

  it('store url - tls:// lists, and credentials before the first server (user:password or a token, percent-encoded)', () => {
    expect(parseStoreUrl('tls://h1,tls://h2:5222')).toEqual({ kind: 'nats', tls: true, servers: ['tls://h1:4222', 'tls://h2:5222'] });
    expect(parseStoreUrl('tls://tandem:s%40cr%3At@h1,h2')).toEqual({
      kind: 'nats',
      tls: true,
      servers: ['tls://h1:4222', 'tls://h2:4222'],
      auth: { user: 'tandem', pass: 's@cr:t' },
    });
    expect(parseStoreUrl('nats://T0KEN@[::1]:4222')).toEqual({ kind: 'nats', tls: false, servers: ['nats://[::1]:4222'], auth: { token: 'T0KEN' } });
  });

  it('store url - bad values name the field and never show the credentials', () => {
    expect(() => parseStoreUrl('file:', '--store')).toThrow(/--store: file: needs a directory/);
    expect(() => parseStoreUrl('nats://h1:99999', '--store')).toThrow(/--store: 'h1:99999' is not/);
    expect(() => parseStoreUrl('nats://h1,,h2', '--store')).toThrow(/--store: '' is not/);
    expect(() => parseStoreUrl('/plain/dir', '--store')).toThrow(/neither file:DIR nor nats:.* nor tls:/);
    expect(() => parseStoreUrl('nats://h1,tls://h2', '--store')).toThrow(/--store: every server of nats:\/\/h1,tls:\/\/h2 must be nats:\/\//);
    for (const bad of ['nats://u:secret@h1:x', 'nats://u:secret@h1,v:secret@h2', 'tls://u:sec,ret@h1', 'nats://:secret@h1', 'nats://u:%ZZsecret@h1']) {
      expect(() => parseStoreUrl(bad, '--store')).toThrow(/--store: /);
      expect(() => parseStoreUrl(bad, '--store')).not.toThrow(/secret|ret@/);
    }
    expect(redactStoreUrl('tls://u:p@ss@h1:4222,h2')).toBe('tls://***@h1:4222,h2');
    expect(redactStoreUrl('nats://h1')).toBe('nats://h1');
  });

  it('store credentials file - user:password (split at the first colon) or a token; anything else names the flag', () => {
    expect(parseNatsCredentials('# NATS\ntandem:pa:ss\n', '--store-credentials')).toEqual({ user: 'tandem', pass: 'pa:ss' });
    expect(parseNatsCredentials('s3cret-token\n', '--store-credentials')).toEqual({ token: 's3cret-token' });
    expect(() => parseNatsCredentials('\n', '--store-credentials')).toThrow(/--store-credentials: must hold one line/);
    expect(() => parseNatsCredentials('a:b\nc:d', '--store-credentials')).toThrow(/found 2/);
    expect(() => parseNatsCredentials('user:', '--store-credentials')).toThrow(/needs both a user and a password/);
  });
});
