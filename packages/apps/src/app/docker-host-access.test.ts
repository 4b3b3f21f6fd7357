import { ValidationError } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { dockerHostAccess } from './docker-host-access.js';
import { validateApp } from './validate-app.js';

const stamp = { version: 'v1', versionInfo: { lastScalingAt: 'v1', lastConfigChangeAt: 'v1' } };
const limits = { maxInstances: 10 };
const docker = (extra: Record<string, unknown> = {}, volumes: unknown[] = []) => ({
  id: 'a',
  cmd: 'x',
  container: { type: 'DOCKER', docker: { image: 'busybox', ...extra }, volumes },
});
const param = (key: string, value: string) => ({ key, value });

function problems(json: unknown): Record<string, string[]> {
  try {
    validateApp(json, limits, stamp);
    return {};
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return Object.fromEntries(err.details.map((d) => [d.path, d.errors]));
  }
}

describe('docker host access (apps)', () => {
  it('apps docker - host volumes, privileged and the carried parameters are accepted (the agent decides), each kept in the app', () => {
    const json = docker({ privileged: true, parameters: [param('cap-add', 'NET_ADMIN'), param('pid', 'host'), param('v', '/srv:/srv:ro')] }, [
      { containerPath: '/data', hostPath: '/mnt/data', mode: 'RO' },
    ]);
    expect(problems(json)).toEqual({});
    const app = validateApp(json, limits, stamp);
    expect(app.container?.volumes).toEqual([{ containerPath: '/data', hostPath: '/mnt/data', mode: 'RO' }]);
    expect(app.container?.docker?.parameters).toHaveLength(3);
    // What the task asks the agent for.
    const withAll = validateApp(
      docker({ parameters: [param('ipc', 'private'), param('device', '/dev/fuse:rw'), param('device', '/dev/a:/dev/b:r'), param('runtime', 'runsc')] }),
      limits,
      stamp,
    );
    expect(dockerHostAccess(app.container).access).toEqual({
      privileged: true,
      pidMode: 'HOST',
      capAdd: ['NET_ADMIN'],
      volumes: [
        { hostPath: '/mnt/data', containerPath: '/data', mode: 'RO' },
        { hostPath: '/srv', containerPath: '/srv', mode: 'RO' },
      ],
    });
    expect(dockerHostAccess(withAll.container).access).toEqual({
      ipcMode: 'PRIVATE',
      runtime: 'runsc',
      devices: [
        { hostPath: '/dev/fuse', containerPath: '', permissions: 'rw' },
        { hostPath: '/dev/a', containerPath: '/dev/b', permissions: 'r' },
      ],
    });
    expect(dockerHostAccess(validateApp(docker(), limits, stamp).container).access).toEqual({});
  });

  it('apps docker - a parameter Tandem does not carry is a 422 naming its key, never accepted and dropped', () => {
    expect(problems(docker({ parameters: [param('cap-add', 'NET_ADMIN'), param('security-opt', 'seccomp=unconfined')] }))).toEqual({
      '/container/docker/parameters/1/key': ['docker parameter "security-opt" is not supported (supported: cap-add, pid, ipc, device, runtime, volume, v)'],
    });
    expect(Object.keys(problems(docker({ parameters: [param('privileged', 'true'), param('user', 'root')] })))).toEqual([
      '/container/docker/parameters/0/key',
      '/container/docker/parameters/1/key',
    ]);
    expect(problems(docker({ parameters: [{ key: 'cap-add' }] }))['/container/docker/parameters/0']?.[0]).toMatch(/"key".*"value"/);
  });

  it('apps docker - malformed values are 422s naming the field', () => {
    const cases: [unknown, string, RegExp][] = [
      [docker({}, [{ containerPath: 'data', hostPath: '/x', mode: 'RO' }]), '/container/volumes/0/containerPath', /absolute path, got "data"/],
      [docker({}, [{ containerPath: '/data', hostPath: 'x', mode: 'RO' }]), '/container/volumes/0/hostPath', /absolute/],
      [docker({}, [{ containerPath: '/data', hostPath: '/x/../etc', mode: 'RW' }]), '/container/volumes/0/hostPath', /\.\./],
      [docker({}, [{ containerPath: '/data', hostPath: '/x' }]), '/container/volumes/0/mode', /RO or RW/],
      [docker({}, [{ containerPath: '/data', persistent: { size: 10 }, mode: 'RW' }]), '/container/volumes/0', /persistent volumes are not supported/],
      [docker({}, [{ containerPath: '/data', hostPath: '/x', mode: 'RW', shared: true }]), '/container/volumes/0', /shared not supported/],
      [
        docker({ parameters: [param('volume', '/y:/data')] }, [{ containerPath: '/data', hostPath: '/x', mode: 'RW' }]),
        '/container/docker/parameters/0/value',
        /already mounted by \/container\/volumes\/0\/containerPath/,
      ],
      [docker({ parameters: [param('v', 'cache:/cache')] }), '/container/docker/parameters/0/value', /named volumes are not supported/],
      [docker({ parameters: [param('v', '/a:/b:z')] }), '/container/docker/parameters/0/value', /HOST_PATH:CONTAINER_PATH\[:ro\|rw\]/],
      [docker({ parameters: [param('cap-add', 'NET ADMIN')] }), '/container/docker/parameters/0/value', /not a capability name/],
      [docker({ parameters: [param('pid', 'container:abc')] }), '/container/docker/parameters/0/value', /pid: must be host/],
      [docker({ parameters: [param('ipc', 'shareable')] }), '/container/docker/parameters/0/value', /ipc: must be host or private/],
      [docker({ parameters: [param('ipc', 'host'), param('ipc', 'private')] }), '/container/docker/parameters/1/key', /more than once/],
      [docker({ parameters: [param('device', 'fuse')] }), '/container/docker/parameters/0/value', /absolute/],
      [docker({ parameters: [param('device', '/dev/fuse:/dev/fuse:rwx')] }), '/container/docker/parameters/0/value', /permissions/],
      [docker({ parameters: [param('runtime', 'run sc')] }), '/container/docker/parameters/0/value', /not a runtime name/],
      [
        { id: 'a', cmd: 'x', container: { type: 'MESOS', volumes: [{ containerPath: '/d', hostPath: '/x', mode: 'RO' }] } },
        '/container/docker/image',
        /need a Docker image/,
      ],
    ];
    for (const [json, path, why] of cases) {
      const found = problems(json);
      expect(Object.keys(found), JSON.stringify(json)).toContain(path);
      expect(found[path]?.[0], path).toMatch(why);
    }
  });
});
