import { Code, TandemError } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { SharedAgentChannel } from './shared-agent-channel.js';

const open: SharedAgentChannel[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

function channel(masters: string[]): SharedAgentChannel {
  const c = new SharedAgentChannel(masters);
  open.push(c);
  return c;
}

const refusal = (leader?: string) => new TandemError(Code.Unavailable, 'not the leading master', leader ? { leader } : {});

describe('SharedAgentChannel (hollow agents)', () => {
  it('shared channel - the first agent refused by a standby moves the channel to the leader; the others find it moved and dial it at once', () => {
    const c = channel(['m1:5050', 'm2:5050', 'm3:5050']);
    const first = c.client;
    const step = c.follow(first, refusal('m3:5050'), false);
    expect(step).toMatchObject({ address: 'm3:5050', reason: 'redirect', immediate: true });
    expect(c.address).toBe('m3:5050');
    expect(c.client).not.toBe(first);
    // Another agent whose stream on the old client was refused too: no second move.
    const moved = c.client;
    expect(c.follow(first, refusal('m2:5050'), false)).toMatchObject({ address: 'm3:5050', immediate: true });
    expect(c.client).toBe(moved);
  });

  it('shared channel - a lost stream does not move it; an unreachable master does (the next of the list)', () => {
    const c = channel(['m1:5050', 'm2:5050']);
    const first = c.client;
    expect(c.follow(first, undefined, false)).toMatchObject({ address: 'm1:5050', immediate: false });
    expect(c.client).toBe(first);
    expect(c.follow(first, undefined, true)).toMatchObject({ address: 'm2:5050', reason: 'rotate', immediate: false });
    expect(c.client).not.toBe(first);
  });
});
