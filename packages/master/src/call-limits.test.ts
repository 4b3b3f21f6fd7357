import { EventEmitter } from 'node:events';
import { status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { CallLimits, peerHost } from './call-limits.js';

// The wrapper alone, on stand-in calls (an EventEmitter with a peer); the real gRPC paths are in test/security/.

class FakeCall extends EventEmitter {
  constructor(private readonly peer = '10.0.0.7:40000') {
    super();
    this.on('error', () => undefined);
  }
  getPeer(): string {
    return this.peer;
  }
}

describe('call-limits', () => {
  it('call-limits - unary calls over the rate are refused at once with RESOURCE_EXHAUSTED and retry-after-ms; the handler never runs', () => {
    const limits = new CallLimits({ callRate: { count: 1, perMs: 60_000, burst: 2 }, callPrincipal: () => 'framework/a' });
    let ran = 0;
    const h = limits.wrap({
      Call: (_c: FakeCall, cb: (s: unknown) => void) => {
        ran += 1;
        cb(null);
      },
    });
    const answers: (Partial<StatusObject> | null)[] = [];
    for (let i = 0; i < 3; i += 1) h.Call(new FakeCall(), (s) => answers.push(s as Partial<StatusObject> | null));
    expect(ran).toBe(2);
    expect(answers.slice(0, 2)).toEqual([null, null]);
    expect(answers[2]?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(answers[2]?.details).toMatch(/^Call refused: framework\/a is over its rate of calls \(1\/60s, burst 2; --rate-limit\); retry after \d+ ms$/);
    expect(Number(answers[2]?.metadata?.get('retry-after-ms')[0])).toBeGreaterThan(59_000);
    expect(limits.shed).toBe(1);
  });

  it('call-limits - a caller proving no principal, or whose credential is refused, is keyed by its host', () => {
    const limits = new CallLimits({
      callPrincipal: (c) => {
        if ((c as FakeCall).getPeer().startsWith('10.')) throw new Error('wrong credential');
        return undefined;
      },
    });
    expect(limits.keyOf(new FakeCall('10.0.0.7:1'))).toBe('host:10.0.0.7');
    expect(limits.keyOf(new FakeCall('[::1]:2'))).toBe('host:::1');
    expect(peerHost(new FakeCall('192.168.1.2:3'))).toBe('192.168.1.2');
  });

  it('call-limits - a stream counts against the caps until it ends, however it ends', () => {
    const limits = new CallLimits({ maxStreams: 2, maxFrameworks: 1, callPrincipal: () => 'framework/a' });
    const h = limits.wrap({ Subscribe: (_c: FakeCall) => undefined, Watch: (_c: FakeCall) => undefined });
    const refused: unknown[] = [];
    const open = (name: 'Subscribe' | 'Watch'): FakeCall => {
      const c = new FakeCall();
      c.on('error', (s) => refused.push(s));
      h[name](c);
      return c;
    };
    const sub = open('Subscribe');
    open('Subscribe');
    expect((refused[0] as StatusObject).details).toMatch(/framework\/a has 1 frameworks subscribed, the most allowed \(--max-frameworks-per-principal\)/);
    const watch = open('Watch');
    open('Watch');
    expect((refused[1] as StatusObject).details).toMatch(/framework\/a holds 2 open streams/);
    expect(limits.openStreams('framework/a')).toBe(2);
    sub.emit('cancelled');
    sub.emit('close');
    expect(limits.openStreams('framework/a')).toBe(1);
    watch.emit('finish');
    expect(limits.openStreams('framework/a')).toBe(0);
    open('Subscribe');
    expect(refused).toHaveLength(2);
  });
});
