import { describe, expect, it } from 'vitest';
import { parseStoreUrl } from './store-url.js';

describe('parseStoreUrl', () => {
  it('store url - file: and nats:// lists, default port 4222', () => {
    expect(parseStoreUrl('file:/var/lib/t')).toEqual({ kind: 'file', dir: '/var/lib/t' });
    expect(parseStoreUrl('file:rel/dir')).toEqual({ kind: 'file', dir: 'rel/dir' });
    expect(parseStoreUrl('nats://h1:4222,h2:5222,h3')).toEqual({ kind: 'nats', servers: ['nats://h1:4222', 'nats://h2:5222', 'nats://h3:4222'] });
    expect(parseStoreUrl('nats://127.0.0.1:1,nats://[::1]:2')).toEqual({ kind: 'nats', servers: ['nats://127.0.0.1:1', 'nats://[::1]:2'] });
  });

  it('store url - bad values name the field', () => {
    expect(() => parseStoreUrl('file:', '--store')).toThrow(/--store: file: needs a directory/);
    expect(() => parseStoreUrl('nats://h1:99999', '--store')).toThrow(/--store: 'h1:99999' is not/);
    expect(() => parseStoreUrl('nats://h1,,h2', '--store')).toThrow(/--store: '' is not/);
    expect(() => parseStoreUrl('/plain/dir', '--store')).toThrow(/neither file:DIR nor nats:/);
  });
});
