import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Code, type TandemError } from '../errors.js';
import { parseCredential, parseCredentials } from './credentials-file.js';
import { type CallAuthContext, certificatePrincipal, credentialMetadataValue, GrpcAuthenticator } from './grpc-principal.js';

function call(o: { cert?: Record<string, string | string[]>; authorization?: string }) {
  const metadata = new grpc.Metadata();
  if (o.authorization !== undefined) metadata.set('authorization', o.authorization);
  return {
    metadata,
    getAuthContext: () => (o.cert ? ({ transportSecurityType: 'ssl', sslPeerCertificate: { subject: o.cert } } as unknown as CallAuthContext) : {}),
  };
}

function failure(f: () => unknown): TandemError {
  try {
    f();
  } catch (err) {
    return err as TandemError;
  }
  throw new Error('did not throw');
}

describe('grpc principal', () => {
  it('grpc principal - a client certificate gives OU/CN, or CN alone', () => {
    expect(certificatePrincipal({ subject: { CN: 'a1', OU: 'agent' } } as never)).toBe('agent/a1');
    expect(certificatePrincipal({ subject: { CN: 'x' } } as never)).toBe('x');
    expect(certificatePrincipal({ subject: { CN: ['apps', 'y'], OU: ['framework'] } } as never)).toBe('framework/apps');
    expect(certificatePrincipal(undefined)).toBeUndefined();
    const auth = new GrpcAuthenticator({ requireAuth: true });
    expect(auth.principalOf(call({ cert: { CN: 'alice', OU: 'operator' } }))).toBe('operator/alice');
  });

  it('grpc principal - a credential in metadata; a wrong one is UNAUTHENTICATED; none is UNAUTHENTICATED only when required', () => {
    const auth = new GrpcAuthenticator({ credentials: [{ user: 'framework/jobs', password: 's3cret' }], requireAuth: true });
    const good = credentialMetadataValue({ principal: 'framework/jobs', secret: 's3cret' });
    expect(auth.principalOf(call({ authorization: good }))).toBe('framework/jobs');
    const wrong = failure(() => auth.principalOf(call({ authorization: credentialMetadataValue({ principal: 'framework/jobs', secret: 'guess' }) })));
    expect(wrong.code).toBe(Code.Unauthenticated);
    expect(wrong.message).toMatch(/invalid credential/);
    expect(wrong.message).not.toMatch(/guess/);
    expect(failure(() => auth.principalOf(call({ authorization: 'Bearer abc' }))).code).toBe(Code.Unauthenticated);
    expect(failure(() => auth.principalOf(call({}))).message).toMatch(/authentication required/);
    // A certificate wins over a credential.
    expect(auth.principalOf(call({ cert: { CN: 'a1', OU: 'agent' }, authorization: good }))).toBe('agent/a1');
    // Open: no principal, no error; a credential sent to a master without --credentials is refused.
    const open = new GrpcAuthenticator();
    expect(open.principalOf(call({}))).toBeUndefined();
    expect(failure(() => open.principalOf(call({ authorization: good }))).message).toMatch(/takes no credentials/);
  });

  it('grpc principal - credentials files: "principal secret", "principal:secret" and Mesos JSON; errors name the line, never the secret', () => {
    expect(parseCredentials('# ops\nagent/a1 pw1\nframework/apps:pw:2\n\n', 'f')).toEqual([
      { principal: 'agent/a1', secret: 'pw1' },
      { principal: 'framework/apps', secret: 'pw:2' },
    ]);
    expect(parseCredentials('{"credentials": [{"principal": "p", "secret": "s"}]}', 'f')).toEqual([{ principal: 'p', secret: 's' }]);
    expect(parseCredential('me  my secret\n', 'f')).toEqual({ principal: 'me', secret: 'my secret' });
    expect(() => parseCredential('a x\nb y\n', '--credential c.txt')).toThrow(/^--credential c\.txt: expected one credential, found 2/);
    expect(() => parseCredentials('ok s\nbroken\n', '--credentials f')).toThrow(/^--credentials f line 2: expected "principal secret"/);
    expect(() => parseCredentials('p: \n', 'f')).toThrow(/the secret of "p" is empty/);
    expect(() => parseCredentials('{"credentials": [{"principal": "p"}]}', 'f')).toThrow(/credentials\[0\]\.secret: expected a non-empty string/);
    expect(() => parseCredentials('{"creds": []}', 'f')).toThrow(/Mesos' format/);
    expect(() => parseCredentials(':hunter2\n', 'f')).not.toThrow(/hunter2/);
  });
});
