import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authFor, DOCKER_HUB_AUTH_KEY, loadDockerCredentials, registryOf } from './docker-auth.js';

// No registry is reachable from the test environment: the lookup of credentials for an
// image reference is tested here; docker.ts hands the result to dockerode's pull as `authconfig`.

const dir = await mkdtemp(join(tmpdir(), 'tandem-docker-auth-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function configFile(name: string, body: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, body);
  return file;
}

describe('docker auth', () => {
  it("docker auth - an image reference's registry, as Docker decides it", () => {
    expect(registryOf('busybox')).toBe('docker.io');
    expect(registryOf('busybox:1.36')).toBe('docker.io');
    expect(registryOf('library/busybox')).toBe('docker.io');
    expect(registryOf('team/app:1')).toBe('docker.io');
    expect(registryOf('docker.io/team/app')).toBe('docker.io');
    expect(registryOf('registry.example/team/app:1')).toBe('registry.example');
    expect(registryOf('registry.example:5000/app@sha256:abc')).toBe('registry.example:5000');
    expect(registryOf('localhost/app')).toBe('localhost');
  });

  it('docker auth - the credentials of config.json auths are found for the image they belong to', async () => {
    const file = await configFile(
      'config.json',
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pass') },
          'registry.example': { auth: b64('alice:s3cret') },
          'https://registry.example:5000/v2/': { username: 'bob', password: 'pw' },
          'token.example': { identitytoken: 'tok' },
          'helper.example': {},
        },
        credsStore: 'desktop',
      }),
    );
    const creds = await loadDockerCredentials(file);
    expect(authFor(creds, 'busybox')).toEqual({ username: 'hubuser', password: 'hub:pass', serveraddress: DOCKER_HUB_AUTH_KEY });
    expect(authFor(creds, 'registry.example/team/app:1')).toEqual({ username: 'alice', password: 's3cret', serveraddress: 'registry.example' });
    expect(authFor(creds, 'registry.example:5000/app')).toEqual({ username: 'bob', password: 'pw', serveraddress: 'https://registry.example:5000/v2/' });
    expect(authFor(creds, 'token.example/app')).toEqual({ identitytoken: 'tok', serveraddress: 'token.example' });
    expect(authFor(creds, 'helper.example/app')).toBeUndefined();
    expect(authFor(creds, 'other.example/app')).toBeUndefined();
    expect(authFor(undefined, 'busybox')).toBeUndefined();
  });

  it('docker auth - a missing, unreadable or malformed file is a clear error naming the flag and the file', async () => {
    const missing = join(dir, 'nope.json');
    await expect(loadDockerCredentials(missing)).rejects.toMatchObject({
      field: '--docker-config',
      message: `--docker-config: ${missing}: cannot read it (ENOENT)`,
    });
    await expect(loadDockerCredentials(dir)).rejects.toThrow(/--docker-config: .*cannot read it \(EISDIR\)/);
    await expect(loadDockerCredentials(await configFile('bad.json', '{auths'))).rejects.toThrow(/is not JSON/);
    await expect(loadDockerCredentials(await configFile('arr.json', '{"auths":[]}'))).rejects.toThrow(/"auths" must be an object/);
    await expect(loadDockerCredentials(await configFile('b64.json', `{"auths":{"r.example":{"auth":"${b64('nocolon')}"}}}`))).rejects.toThrow(
      /auths\["r.example"\].auth must be base64 of user:password/,
    );
    expect((await loadDockerCredentials(await configFile('empty.json', '{}'))).byRegistry.size).toBe(0);
  });
});
