import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

// tandem agent's Docker policy flags: bad values fail before the agent starts, naming the flag.

const run = runCli;

afterEach(() => {
  delete process.env.TANDEM_DOCKER_ALLOW;
});

describe('tandem agent docker flags', () => {
  it('docker flags - --help documents --docker-allow, --docker-images and --docker-config with their env vars', async () => {
    const { out } = await run('agent', '--help');
    const flat = out.replace(/\s+/g, ' ');
    for (const f of ['--docker-allow', 'TANDEM_DOCKER_ALLOW', '--docker-images', 'TANDEM_DOCKER_IMAGES', '--docker-config', 'TANDEM_DOCKER_CONFIG'])
      expect(flat).toContain(f);
    expect(flat).toContain('privileged, host-mounts:/PATH, docker-socket, named-volumes, cap:NAME, host-pid, host-ipc, devices, runtime:NAME');
  });

  it('fetch flags - --fetch-allow-loopback and --fetch-max-uris are in --help with their env vars; a bad --fetch-max-uris fails naming it', async () => {
    const flat = (await run('agent', '--help')).out.replace(/\s+/g, ' ');
    for (const f of ['--fetch-allow-loopback', 'TANDEM_FETCH_ALLOW_LOOPBACK', '--fetch-max-uris <n>', 'TANDEM_FETCH_MAX_URIS', '(default: 32'])
      expect(flat).toContain(f);
    const r = await run('agent', '--master', '127.0.0.1:1', '--containerizers', 'process', '--fetch-max-uris', '0');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--fetch-max-uris (TANDEM_FETCH_MAX_URIS): must be a whole number >= 1');
  });

  it('docker flags - an unknown --docker-allow item (flag or env) is an error naming the flag and the item', async () => {
    const r = await run('agent', '--master', '127.0.0.1:1', '--docker-allow', 'privileged,allow-everything');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--docker-allow (TANDEM_DOCKER_ALLOW): unknown item allow-everything in "allow-everything"');
    process.env.TANDEM_DOCKER_ALLOW = 'host-mounts:relative';
    try {
      expect((await run('agent', '--master', '127.0.0.1:1')).err).toContain(
        '--docker-allow (TANDEM_DOCKER_ALLOW): host-mounts needs an absolute host path prefix',
      );
    } finally {
      delete process.env.TANDEM_DOCKER_ALLOW;
    }
  });

  it('docker flags - a --docker-config that cannot be read fails the start, naming the flag and the file', async () => {
    const r = await run('agent', '--master', '127.0.0.1:1', '--containerizers', 'process', '--docker-config', '/nonexistent/config.json');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--docker-config: /nonexistent/config.json: cannot read it (ENOENT)');
  });
});

describe('tandem execute docker flags', () => {
  it('execute docker flags - --volume and --cap-add are in --help; malformed, or without --image, they fail naming the flag before connecting', async () => {
    const help = (await run('execute', '--help')).out.replace(/\s+/g, ' ');
    for (const f of ['--volume <HOST:CONTAINER[:ro|rw]>', 'TANDEM_VOLUME', '--cap-add <NAME>', 'TANDEM_CAP_ADD']) expect(help).toContain(f);
    const args = ['execute', '--master', '127.0.0.1:1', '--image', 'busybox'];
    // A name is a Docker named volume (the agent's --docker-allow named-volumes decides); a bad one fails here.
    const named = await run(...args, '--volume', '-cache:/in', '--', 'true');
    expect(named.code).toBe(1);
    expect(named.err).toContain('--volume (TANDEM_VOLUME): give an absolute host path or a Docker volume name (letters, digits, _ . -), got "-cache"');
    expect((await run(...args, '--volume', '/srv:in', '--', 'true')).err).toContain(
      '--volume (TANDEM_VOLUME): container path must be an absolute path, got "in"',
    );
    expect((await run(...args, '--cap-add', 'NET ADMIN', '--', 'true')).err).toContain('--cap-add (TANDEM_CAP_ADD): "NET ADMIN" is not a capability name');
    const noImage = await run('execute', '--master', '127.0.0.1:1', '--cap-add', 'NET_ADMIN', '--', 'true');
    expect(noImage.code).toBe(1);
    expect(noImage.err).toContain('--volume and --cap-add need --image');
  });
});
