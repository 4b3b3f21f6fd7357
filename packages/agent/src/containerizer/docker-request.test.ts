import type { DockerInfo } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { NO_HOST_ACCESS } from '../test-support/launch-spec.js';
import { hostAccess } from './docker.js';
import { dockerFieldProblem, dockerHostFieldsOf, dockerRequestOf } from './docker-request.js';

const info = (o: Partial<DockerInfo>): DockerInfo => ({ ...NO_HOST_ACCESS, image: 'busybox', ...o });
const vol = (containerPath: string, hostPath: string, mode: DockerInfo['volumes'][number]['mode'] = 'RW') => ({ containerPath, hostPath, mode });
const dev = (hostPath: string, containerPath = '', permissions = '') => ({ hostPath, containerPath, permissions });

describe('docker request', () => {
  it('docker request - gathers every field of container.docker into what the policy checks and the engine gets', () => {
    const request = dockerRequestOf(
      info({
        privileged: true,
        volumes: [vol('/in', '/data/a', 'RO'), vol('/rw', '/data/b')],
        capAdd: ['cap_net_admin', 'SYS_TIME'],
        pidMode: 'HOST',
        ipcMode: 'PRIVATE',
        devices: [dev('/dev/fuse'), dev('/dev/null', '/dev/n', 'r')],
        runtime: 'runsc',
      }),
    );
    expect(request).toEqual({
      image: 'busybox',
      privileged: true,
      mounts: [
        { field: 'container.docker.volumes[0]', type: 'bind', source: '/data/a', target: '/in', readOnly: true },
        { field: 'container.docker.volumes[1]', type: 'bind', source: '/data/b', target: '/rw', readOnly: false },
      ],
      capAdd: ['NET_ADMIN', 'SYS_TIME'],
      pidMode: 'host',
      ipcMode: 'private',
      devices: [
        { field: 'container.docker.devices[0]', hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rwm' },
        { field: 'container.docker.devices[1]', hostPath: '/dev/null', containerPath: '/dev/n', permissions: 'r' },
      ],
      runtime: 'runsc',
    });
    expect(hostAccess(request)).toEqual({
      Privileged: true,
      Binds: [],
      Mounts: [
        { Type: 'bind', Source: '/data/a', Target: '/in', ReadOnly: true },
        { Type: 'bind', Source: '/data/b', Target: '/rw', ReadOnly: false },
      ],
      CapAdd: ['NET_ADMIN', 'SYS_TIME'],
      PidMode: 'host',
      IpcMode: 'private',
      Devices: [
        { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' },
        { PathOnHost: '/dev/null', PathInContainer: '/dev/n', CgroupPermissions: 'r' },
      ],
      Runtime: 'runsc',
    });
    // A plain container: nothing beyond the defaults reaches the engine.
    expect(hostAccess(dockerRequestOf(info({})))).toEqual({ Privileged: false, Binds: [], Mounts: [] });
    // A host path that is a volume name: a Docker named volume.
    const named = dockerRequestOf(info({ volumes: [vol('/cache', 'app-cache.1', 'RO')] }));
    expect(named.mounts).toEqual([{ field: 'container.docker.volumes[0]', type: 'volume', source: 'app-cache.1', target: '/cache', readOnly: true }]);
    expect(hostAccess(named).Mounts).toEqual([{ Type: 'volume', Source: 'app-cache.1', Target: '/cache', ReadOnly: true }]);
    expect(dockerFieldProblem(info({ volumes: [vol('/cache', 'app-cache.1')] }))).toBeUndefined();
  });

  it('docker request - a malformed value is a problem naming the field; a well-formed request has none', () => {
    expect(dockerFieldProblem(info({ volumes: [vol('/in', '/data')], capAdd: ['NET_ADMIN'], devices: [dev('/dev/fuse', '', 'rw')] }))).toBeUndefined();
    const cases: [Partial<DockerInfo>, string, RegExp][] = [
      [{ volumes: [vol('in', '/data')] }, 'container.docker.volumes[0].container_path', /must be an absolute path, got "in"/],
      [{ volumes: [vol('', '/data')] }, 'container.docker.volumes[0].container_path', /is required/],
      [{ volumes: [vol('/', '/data')] }, 'container.docker.volumes[0].container_path', /must not be \//],
      [{ volumes: [vol('/a', '/x'), vol('/a/', '/y')] }, 'container.docker.volumes[1].container_path', /already mounted by container\.docker\.volumes\[0\]/],
      [{ volumes: [vol('/in', './data')] }, 'container.docker.volumes[0].host_path', /absolute path.*or a Docker volume name/],
      [{ volumes: [vol('/in', 'a')] }, 'container.docker.volumes[0].host_path', /absolute/],
      [{ volumes: [vol('/in', '/data/../etc')] }, 'container.docker.volumes[0].host_path', /must not contain "\.\."/],
      [{ volumes: [vol('/in', '/data', 7 as never)] }, 'container.docker.volumes[0].mode', /must be RW or RO, got 7/],
      [{ capAdd: ['NET ADMIN'] }, 'container.docker.cap_add[0]', /not a capability name/],
      [{ pidMode: 9 as never }, 'container.docker.pid_mode', /must be NAMESPACE_DEFAULT, PRIVATE or HOST/],
      [{ ipcMode: 'SHAREABLE' as never }, 'container.docker.ipc_mode', /got SHAREABLE/],
      [{ devices: [dev('fuse')] }, 'container.docker.devices[0].host_path', /absolute/],
      [{ devices: [dev('/dev/fuse', 'fuse')] }, 'container.docker.devices[0].container_path', /absolute/],
      [{ devices: [dev('/dev/fuse', '', 'rwx')] }, 'container.docker.devices[0].permissions', /some of r, w, m/],
      [{ devices: [dev('/dev/fuse', '', 'rr')] }, 'container.docker.devices[0].permissions', /some of r, w, m/],
      [{ runtime: '../runc' }, 'container.docker.runtime', /not a runtime name/],
    ];
    for (const [given, field, why] of cases) {
      const problem = dockerFieldProblem(info(given));
      expect(problem?.field, JSON.stringify(given)).toBe(field);
      expect(problem?.message, field).toMatch(why);
      expect(problem?.message.startsWith(`${field}: `)).toBe(true);
    }
  });

  it('docker request - the fields that ask something of the host are listed (a process task must not carry them)', () => {
    expect(dockerHostFieldsOf(info({}))).toEqual([]);
    expect(dockerHostFieldsOf(info({ volumes: [vol('/in', '/data')], pidMode: 'HOST', runtime: 'runc' }))).toEqual([
      'container.docker.volumes',
      'container.docker.pid_mode',
      'container.docker.runtime',
    ]);
  });
});
