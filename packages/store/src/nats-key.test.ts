import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKey, encodeKey, prefixFilter } from './nats-key.js';

/** What NATS KV accepts as a key (nats.js `validateKey`): tokens of `[-/_=a-zA-Z0-9]`, no empty token. */
const VALID_KV_KEY = /^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$/;

/** Whether a NATS subject filter (`>` only as the last token) matches a subject. */
function matches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (f[i] !== s[i]) return false;
  }
  return f.length === s.length;
}

const AWKWARD = [
  'agents/1',
  'apps/app//web',
  '/leading',
  'trailing/',
  '/',
  '//',
  'schedules/job.1/2026-12-06T11:16:08.000Z',
  'with space/and:colon',
  'dots.in.a.name',
  '.',
  '..',
  'eq=sign=3D',
  'star*and>gt',
  'ünïcödé/日本/🚀',
  '%41 percent',
  'a\nnewline\ttab',
];

describe('NATS KV key encoding', () => {
  it('nats key - awkward keys round-trip into valid KV keys', () => {
    for (const key of AWKWARD) {
      const ek = encodeKey(key);
      expect(ek, key).toMatch(VALID_KV_KEY);
      expect(decodeKey(ek)).toBe(key);
    }
    expect(encodeKey('agents/1')).toBe('agents.1');
    expect(encodeKey('a b/c:d')).toBe('a=20b.c=3Ad');
    expect(encodeKey('a//b/')).toBe('a.=.b.=');
  });

  it('nats key - any non-empty string round-trips, distinct keys stay distinct', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'binary' }), fc.string({ minLength: 1, unit: 'binary' }), (a, b) => {
        const ea = encodeKey(a);
        expect(ea).toMatch(VALID_KV_KEY);
        expect(decodeKey(ea)).toBe(a);
        if (a !== b) expect(encodeKey(b)).not.toBe(ea);
      }),
      { numRuns: 500 },
    );
  });

  it('nats key - the prefix filter selects every key with the prefix, and list order comes from sorting decoded keys', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', '.', ':', ' ', '=', 'é', 'Z', '-');
    const key = fc.string({ minLength: 1, maxLength: 8, unit: alphabet });
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 20 }), fc.string({ maxLength: 5, unit: alphabet }), (keys, prefix) => {
        const filter = prefixFilter(prefix);
        // The server's filter never drops a key that has the prefix.
        for (const k of keys) if (k.startsWith(prefix)) expect(matches(filter, encodeKey(k)), `${prefix} ${k}`).toBe(true);
        // What the store does: filter encoded keys on the server, decode, keep the prefix, sort.
        const listed = keys
          .map(encodeKey)
          .filter((ek) => matches(filter, ek))
          .map(decodeKey)
          .filter((k) => k.startsWith(prefix))
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const expected = keys.filter((k) => k.startsWith(prefix)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect(listed).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
    expect(prefixFilter('apps/app/')).toBe('apps.app.>');
    expect(prefixFilter('apps/ap')).toBe('apps.>');
    expect(prefixFilter('apps')).toBe('>');
    expect(prefixFilter('')).toBe('>');
    expect(prefixFilter('/')).toBe('=.>');
  });

  it('nats key - decoding refuses what the encoder never writes', () => {
    for (const bad of ['a=2', 'a=zz', 'a:b', 'a..b']) expect(() => decodeKey(bad), bad).toThrow(/not an encoded/);
  });
});
