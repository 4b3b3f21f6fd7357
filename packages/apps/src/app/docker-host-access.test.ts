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
    // Docker named volumes: Marathon's external volume of the dvdi provider and local driver, and a -v with a name.
    const named = validateApp(
      docker({ parameters: [param('volume', 'scratch:/scratch')] }, [
        { containerPath: '/cache', external: { name: 'app-cache', provider: 'dvdi', options: { 'dvdi/driver': 'local' } }, mode: 'RW' },
      ]),
      limits,
      stamp,
    );
    expect(dockerHostAccess(named.container).access).toEqual({
      volumes: [
        { hostPath: 'app-cache', containerPath: '/cache', mode: 'RW' },
        { hostPath: 'scratch', containerPath: '/scratch', mode: 'RW' },
      ],
    });
  });

  it('apps docker - a parameter Tandem does not carry is a 422 naming its key, never accepted and dropped', () => {
    expect(problems(docker({ parameters: [param('cap-add', 'NET_ADMIN'), param('security-opt', 'seccomp=unconfined')] }))).toEqual({
      '/container/docker/parameters/1/key': [
        'docker parameter "security-opt" is not supported (supported: cap-add, pid, ipc, device, runtime, volume, v, label, l, env, e, user, u, workdir, w, hostname, h, memory-swappiness, shm-size, ulimit, init, read-only)',
      ],
    });
    expect(Object.keys(problems(docker({ parameters: [param('privileged', 'true'), param('net', 'bridge')] })))).toEqual([
      '/container/docker/parameters/0/key',
      '/container/docker/parameters/1/key',
    ]);
    expect(problems(docker({ parameters: [{ key: 'cap-add' }] }))['/container/docker/parameters/0']?.[0]).toMatch(/"key".*"value"/);
  });

  it('apps docker - the harmless parameters map onto the task: labels, workdir, hostname, swappiness, shm size, ulimits, read-only; env and user apart', () => {
    const app = validateApp(
      docker({
        parameters: [
          param('label', 'team=web'),
          param('l', 'flag'),
          param('e', 'A=1=2'),
          param('u', '1000:1000'),
          param('w', '/srv'),
          param('hostname', 'web-1'),
          param('memory-swappiness', '10'),
          param('shm-size', '64m'),
          param('ulimit', 'nofile=100:200'),
          param('ulimit', 'core=-1'),
          param('init', 'true'),
          param('read-only', 'true'),
        ],
      }),
      limits,
      stamp,
    );
    const got = dockerHostAccess(app.container);
    expect(got.access).toEqual({
      labels: [
        { key: 'team', value: 'web' },
        { key: 'flag', value: '' },
      ],
      workdir: '/srv',
      hostname: 'web-1',
      memorySwappiness: 10,
      shmSizeBytes: 64 * 1024 * 1024,
      ulimits: [
        { name: 'nofile', soft: 100, hard: 200 },
        { name: 'core', soft: -1, hard: -1 },
      ],
      readOnly: true,
    });
    expect(got.env).toEqual({ A: '1=2' });
    expect(got.user).toBe('1000:1000');
    const bad: [string, string, RegExp][] = [
      ['label', 'tandem.task-id=x', /agent's own/],
      ['env', 'NOEQUALS', /NAME=VALUE/],
      ['workdir', 'srv', /absolute/],
      ['hostname', 'a_b', /host name/],
      ['memory-swappiness', '101', /0 to 100/],
      ['shm-size', '64q', /size/],
      ['ulimit', 'nofile=200:100', /above the hard/],
      ['ulimit', 'bogus=1', /NAME=SOFT/],
      ['init', 'false', /always runs an init/],
      ['read-only', 'yes', /true or false/],
    ];
    for (const [key, value, message] of bad) {
      expect(problems(docker({ parameters: [param(key, value)] }))['/container/docker/parameters/0/value']?.[0], `${key}=${value}`).toMatch(message);
    }
    expect(Object.keys(problems(docker({ parameters: [param('w', '/a'), param('workdir', '/b')] })))).toEqual(['/container/docker/parameters/1/key']);
  });

  it('apps docker - malformed values are 422s naming the field', () => {
    const cases: [unknown, string, RegExp][] = [
      [docker({}, [{ containerPath: 'data', hostPath: '/x', mode: 'RO' }]), '/container/volumes/0/containerPath', /absolute path, got "data"/],
      [docker({}, [{ containerPath: '/data', hostPath: 'x', mode: 'RO' }]), '/container/volumes/0/hostPath', /absolute/],
      [docker({}, [{ containerPath: '/data', hostPath: '/x/../etc', mode: 'RW' }]), '/container/volumes/0/hostPath', /\.\./],
      [docker({}, [{ containerPath: '/data', hostPath: '/x' }]), '/container/volumes/0/mode', /RO or RW/],
      [
        docker({}, [{ containerPath: '/data', persistent: { size: 10 }, mode: 'RW' }]),
        '/container/volumes/0/persistent',
        /persistent volumes .* not supported yet/,
      ],
      [
        docker({}, [{ containerPath: '/data', external: { name: 'v', provider: 'ebs' }, mode: 'RW' }]),
        '/container/volumes/0/external/provider',
        /must be dvdi/,
      ],
      [
        docker({}, [{ containerPath: '/data', external: { name: 'v', provider: 'dvdi', options: { 'dvdi/driver': 'rexray' } }, mode: 'RW' }]),
        '/container/volumes/0/external/options/dvdi~1driver',
        /only the local driver/,
      ],
      [
        docker({}, [{ containerPath: '/data', external: { name: 'v', provider: 'dvdi', options: { 'dvdi/driver': 'local', 'dvdi/o': 'bind' } }, mode: 'RW' }]),
        '/container/volumes/0/external/options/dvdi~1o',
        /driver options are the operator's/,
      ],
      [
        docker({}, [{ containerPath: '/data', external: { name: 'v', provider: 'dvdi', size: 5 }, mode: 'RW' }]),
        '/container/volumes/0/external/size',
        /no size/,
      ],
      [
        docker({}, [{ containerPath: '/data', external: { name: 'no/slash', provider: 'dvdi' }, mode: 'RW' }]),
        '/container/volumes/0/external/name',
        /Docker volume name/,
      ],
      [docker({}, [{ containerPath: '/data', hostPath: '/x', mode: 'RW', shared: true }]), '/container/volumes/0', /shared not supported/],
      [
        docker({ parameters: [param('volume', '/y:/data')] }, [{ containerPath: '/data', hostPath: '/x', mode: 'RW' }]),
        '/container/docker/parameters/0/value',
        /already mounted by \/container\/volumes\/0\/containerPath/,
      ],
      [docker({ parameters: [param('v', '-cache:/cache')] }), '/container/docker/parameters/0/value', /absolute host path or a Docker volume name/],
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
