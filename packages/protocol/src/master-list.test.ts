import { describe, expect, it } from 'vitest';
import { Code, TandemError, ValidationError } from './errors.js';
import { isHostPort, LeaderFollower, parseMasterList } from './master-list.js';

const standby = (leader: string): TandemError => new TandemError(Code.Unavailable, `not the leading master; the leader is at ${leader}`, { leader });

describe('master list', () => {
  it('master list - parses one address, a comma list and a list of lists, in order, each once', () => {
    expect(parseMasterList('127.0.0.1:5050')).toEqual(['127.0.0.1:5050']);
    expect(parseMasterList('h1:5050, h2:5050,h3:5050')).toEqual(['h1:5050', 'h2:5050', 'h3:5050']);
    expect(parseMasterList(['h1:5050,h2:5050', 'h2:5050', '[::1]:5050'])).toEqual(['h1:5050', 'h2:5050', '[::1]:5050']);
  });

  it('master list - bad input is a ValidationError naming the field and the entry', () => {
    const fails = (value: string | string[] | undefined, field?: string): ValidationError => {
      try {
        parseMasterList(value, field);
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return err as ValidationError;
      }
      throw new Error(`parsed ${JSON.stringify(value)}`);
    };
    expect(fails(undefined).message).toBe('master: required: the master, or masters, as host:port[,host:port...]');
    expect(fails('').field).toBe('master');
    expect(fails([]).code).toBe(Code.InvalidArgument);
    expect(fails('h1:5050,h2', 'masters').message).toBe('masters: "h2" (entry 2 of 2) is not host:port (port 1-65535)');
    expect(fails('h1:5050,,h2:5050').message).toBe('master: an empty entry (entry 2 of 3); give host:port[,host:port...]');
    expect(fails('h1:0').message).toContain('"h1:0" is not host:port');
    expect(fails('h1:70000').message).toContain('is not host:port');
    expect(fails('http://h1:5050').message).toContain('is not host:port');
    expect(fails('nats://n1:4222').message).toContain('a nats:// store is looked up by the tandem CLI only');
  });

  it('master list - isHostPort takes names, IPv4 and bracketed IPv6 with a port from 1 to 65535', () => {
    expect(['a:1', 'master-1.example.com:65535', '10.0.0.1:5050', '[fe80::1]:5050'].every(isHostPort)).toBe(true);
    expect(['a', 'a:', ':5050', 'a:b', 'a:0', 'a:65536', 'fe80::1:5050', 'a b:1'].some(isHostPort)).toBe(false);
  });
});

describe('leader follower', () => {
  it('leader follower - starts at the first address and goes to the leader an error names, even one not in the list', () => {
    const f = new LeaderFollower(['a:1', 'b:1', 'c:1']);
    expect(f.current).toBe('a:1');
    expect(f.next(standby('c:1'))).toEqual({ address: 'c:1', reason: 'redirect', immediate: true });
    expect(f.current).toBe('c:1');
    // c is in the list: a failure there rotates on from c, to a.
    expect(f.next()).toEqual({ address: 'a:1', reason: 'rotate', immediate: false });
    expect(f.next(standby('z:9'))).toEqual({ address: 'z:9', reason: 'redirect', immediate: true });
    expect(f.current).toBe('z:9');
    // z is not in the list: a failure there goes on from where the redirect came from (a), to b.
    expect(f.next()).toEqual({ address: 'b:1', reason: 'rotate', immediate: false });
  });

  it('leader follower - rotates through the list on failures without a leader; triedAll once each has failed', () => {
    const f = new LeaderFollower(['a:1', 'b:1', 'c:1']);
    const seen = [f.current];
    for (let i = 0; i < 3; i++) {
      expect(f.triedAll).toBe(false);
      seen.push(f.next(new TandemError(Code.Unavailable, 'connection refused')).address);
    }
    expect(seen).toEqual(['a:1', 'b:1', 'c:1', 'a:1']);
    expect(f.triedAll).toBe(true);
    f.succeeded();
    expect(f.triedAll).toBe(false);
    // A list of one stays on its address.
    const one = new LeaderFollower(['a:1']);
    expect(one.next()).toEqual({ address: 'a:1', reason: 'rotate', immediate: false });
    expect(one.triedAll).toBe(true);
  });

  it('leader follower - a redirect loop is immediate only up to the budget, which a success restores', () => {
    const f = new LeaderFollower(['a:1', 'b:1'], { maxImmediateRedirects: 2 });
    expect(f.next(standby('b:1')).immediate).toBe(true);
    expect(f.next(standby('a:1')).immediate).toBe(true);
    const third = f.next(standby('b:1'));
    expect(third).toEqual({ address: 'b:1', reason: 'redirect', immediate: false });
    f.succeeded();
    expect(f.next(standby('a:1')).immediate).toBe(true);
  });

  it('leader follower - a master naming itself is not a move; a leader that is not host:port is ignored (rotation)', () => {
    const f = new LeaderFollower(['a:1', 'b:1']);
    expect(f.next(standby('a:1'))).toEqual({ address: 'a:1', reason: 'redirect', immediate: false });
    expect(f.next(standby('not an address'))).toEqual({ address: 'b:1', reason: 'rotate', immediate: false });
    expect(() => new LeaderFollower([])).toThrow(ValidationError);
  });

  it('leader follower - retries are capped for a client of several masters, or one a standby answered, so an election does not leave it asleep', () => {
    expect(new LeaderFollower(['a:1', 'b:1'], { haRetryCapMs: 1_000 }).retryDelayMs(8_000)).toBe(1_000);
    expect(new LeaderFollower(['a:1', 'b:1']).retryDelayMs(300)).toBe(300);
    const single = new LeaderFollower(['a:1'], { haRetryCapMs: 1_000 });
    expect(single.retryDelayMs(8_000)).toBe(8_000);
    single.next(standby('b:1'));
    expect(single.retryDelayMs(8_000)).toBe(1_000);
  });
});
