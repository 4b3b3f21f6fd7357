import { describe, expect, it } from 'vitest';
import { dockerPolicyOf, parseDockerAllow, parseDockerImages } from './docker-allow.js';
import { DEFAULT_DOCKER_POLICY } from './docker-policy.js';

describe('docker allow flags', () => {
  it('docker allow flags - unset or empty is the default policy (deny all, any image)', () => {
    expect(dockerPolicyOf(undefined, undefined)).toEqual(DEFAULT_DOCKER_POLICY);
    expect(dockerPolicyOf(' , ', '')).toEqual(DEFAULT_DOCKER_POLICY);
  });

  it('docker allow flags - every item, repeated items and spaces', () => {
    expect(
      parseDockerAllow(
        'privileged, host-mounts:/data/ ,host-mounts:/srv/a/../b,docker-socket,named-volumes,cap:net_admin,cap:CAP_SYS_PTRACE,host-pid,host-ipc,devices,runtime:runsc',
      ),
    ).toEqual({
      privileged: true,
      hostMounts: ['/data', '/srv/b'],
      dockerSocket: true,
      namedVolumes: true,
      capabilities: ['NET_ADMIN', 'SYS_PTRACE'],
      hostPid: true,
      hostIpc: true,
      devices: true,
      runtimes: ['runsc'],
    });
  });

  it('docker allow flags - a bad item is a ValidationError naming the flag, the item and the items there are', () => {
    const cases: [string, RegExp][] = [
      ['priviledged', /unknown item priviledged in "priviledged"/],
      ['host-mounts', /host-mounts needs an absolute host path/],
      ['host-mounts:data', /host-mounts needs an absolute host path/],
      ['cap:', /cap needs a capability name/],
      ['cap:NET ADMIN', /cap needs a capability name/],
      ['privileged:yes', /privileged takes no value/],
      ['named-volumes:cache', /named-volumes takes no value/],
      ['runtime:', /runtime needs a runtime name/],
    ];
    for (const [value, why] of cases) {
      let err: unknown;
      try {
        parseDockerAllow(value);
      } catch (e) {
        err = e;
      }
      expect(err, value).toMatchObject({ name: 'ValidationError', field: '--docker-allow' });
      expect((err as Error).message).toMatch(/^--docker-allow: /);
      expect((err as Error).message).toMatch(why);
      expect((err as Error).message).toContain('items: privileged, host-mounts:/PATH, docker-socket, named-volumes, cap:NAME');
    }
  });

  it('docker allow flags - --docker-images is a list of globs', () => {
    expect(parseDockerImages('registry.example/*, busybox:*')).toEqual(['registry.example/*', 'busybox:*']);
    expect(parseDockerImages(undefined)).toBeUndefined();
  });
});
