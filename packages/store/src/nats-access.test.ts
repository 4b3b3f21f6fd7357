import { describe, expect, it } from 'vitest';
import { natsConnectOptions } from './nats-access.js';

describe('natsConnectOptions', () => {
  it('nats access - plaintext is tls: null (nats.js then never starts TLS); credentials become user/pass or token', () => {
    expect(natsConnectOptions(['nats://h1:4222'], undefined)).toEqual({ servers: ['nats://h1:4222'], tls: null });
    expect(natsConnectOptions('nats://h1:4222', { auth: { user: 'u', pass: 'p' } })).toEqual({ servers: ['nats://h1:4222'], tls: null, user: 'u', pass: 'p' });
    expect(natsConnectOptions(['nats://h1:4222'], { auth: { token: 't' } })).toEqual({ servers: ['nats://h1:4222'], tls: null, token: 't' });
  });

  it('nats access - TLS gives the CA and the client certificate as PEM text, with the dialled-address check', () => {
    const o = natsConnectOptions(['tls://h1:4222'], { tls: { ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: 'KEY' } });
    expect(o.tls).toMatchObject({ ca: 'CA', cert: 'CERT', key: 'KEY' });
    expect(typeof (o.tls as { checkServerIdentity?: unknown }).checkServerIdentity).toBe('function');
  });

  it('nats access - tls:// servers without TLS, and TLS for nats:// servers, are refused naming the field', () => {
    expect(() => natsConnectOptions(['tls://h1:4222'], undefined)).toThrow(/tls:\/\/h1:4222: a tls:\/\/ NATS server needs a CA/);
    expect(() => natsConnectOptions(['nats://h1:4222'], { tls: { ca: 'CA' } })).toThrow(/TLS is given for nats:\/\/ servers; name them tls:\/\//);
  });
});
