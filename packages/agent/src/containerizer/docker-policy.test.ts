import { describe, expect, it } from 'vitest';
import { dockerPolicyOf } from './docker-allow.js';
import { checkDockerRequest, DEFAULT_DOCKER_POLICY, DOCKER_SOCKET_PATHS, imageGlobMatches } from './docker-policy.js';
import { type DockerRequest, dockerRequestOf } from './docker-request.js';

const plain: DockerRequest = dockerRequestOf({ image: 'busybox' } as Parameters<typeof dockerRequestOf>[0]);
const ask = (o: Partial<DockerRequest>): DockerRequest => ({ ...plain, ...o });
const bind = (source: string, field = 'container.docker.volumes[0]') => ({ field, type: 'bind' as const, source, target: '/mnt', readOnly: false });
const device = (hostPath: string) => ({ field: 'container.docker.devices[0]', hostPath, containerPath: hostPath, permissions: 'rwm' });

describe('docker policy', () => {
  it('docker policy - a plain container passes the default policy; every power over the host is refused by default', () => {
    expect(checkDockerRequest(plain, DEFAULT_DOCKER_POLICY)).toBeUndefined();
    const refused = (o: Partial<DockerRequest>) => checkDockerRequest(ask(o), DEFAULT_DOCKER_POLICY);
    expect(refused({ privileged: true })).toMatchObject({ field: 'container.docker.privileged', allowWith: '--docker-allow privileged' });
    expect(refused({ privileged: true })?.message).toBe(
      'container.docker.privileged: a privileged container is not allowed on this agent (its operator can allow it with --docker-allow privileged)',
    );
    expect(refused({ mounts: [bind('/data/x')] })).toMatchObject({ field: 'container.docker.volumes[0]', allowWith: '--docker-allow host-mounts:/data/x' });
    expect(refused({ mounts: [bind('/var/run/docker.sock')] })).toMatchObject({ allowWith: '--docker-allow docker-socket' });
    expect(refused({ capAdd: ['cap_net_admin'] })).toMatchObject({ field: 'container.docker.cap_add[0]', allowWith: '--docker-allow cap:NET_ADMIN' });
    expect(refused({ pidMode: 'host' })).toMatchObject({ field: 'container.docker.pid_mode', allowWith: '--docker-allow host-pid' });
    expect(refused({ ipcMode: 'host' })).toMatchObject({ field: 'container.docker.ipc_mode', allowWith: '--docker-allow host-ipc' });
    expect(refused({ devices: [device('/dev/fuse')] })).toMatchObject({ field: 'container.docker.devices[0]', allowWith: '--docker-allow devices' });
    expect(refused({ runtime: 'runsc' })).toMatchObject({ field: 'container.docker.runtime', allowWith: '--docker-allow runtime:runsc' });
    // A named volume outlives the task and is shared by every task naming it on this host: the operator's call.
    const named = { field: 'container.docker.volumes[1]', type: 'volume' as const, source: 'cache', target: '/cache', readOnly: false };
    expect(refused({ mounts: [named] })).toMatchObject({ field: 'container.docker.volumes[1]', allowWith: '--docker-allow named-volumes' });
    expect(refused({ mounts: [named] })?.message).toBe(
      'container.docker.volumes[1]: the Docker named volume cache is not allowed on this agent (its operator can allow it with --docker-allow named-volumes)',
    );
    expect(checkDockerRequest(ask({ mounts: [named] }), dockerPolicyOf('named-volumes', undefined))).toBeUndefined();
    // A named volume is not a host path: host-mounts does not allow it, named-volumes allows no bind mount.
    expect(checkDockerRequest(ask({ mounts: [named] }), dockerPolicyOf('host-mounts:/', undefined))).toMatchObject({
      allowWith: '--docker-allow named-volumes',
    });
    expect(checkDockerRequest(ask({ mounts: [bind('/data')] }), dockerPolicyOf('named-volumes', undefined))).toMatchObject({
      allowWith: '--docker-allow host-mounts:/data',
    });
    // The default runtime and private namespaces are no power over the host.
    expect(
      refused({
        runtime: 'runc',
        pidMode: '',
        ipcMode: 'private',
      }),
    ).toBeUndefined();
  });

  it('docker policy - each allowance lets through what it names and nothing else', () => {
    const p = dockerPolicyOf('privileged,host-mounts:/data,cap:NET_ADMIN,host-pid,host-ipc,devices,runtime:runsc', undefined);
    expect(
      checkDockerRequest(
        ask({ privileged: true, capAdd: ['NET_ADMIN'], pidMode: 'host', ipcMode: 'host', devices: [device('/dev/fuse')], runtime: 'runsc' }),
        p,
      ),
    ).toBeUndefined();
    expect(checkDockerRequest(ask({ mounts: [bind('/data'), bind('/data/a/b')] }), p)).toBeUndefined();
    expect(checkDockerRequest(ask({ capAdd: ['NET_ADMIN', 'SYS_ADMIN'] }), p)).toMatchObject({ field: 'container.docker.cap_add[1]' });
    expect(checkDockerRequest(ask({ runtime: 'kata' }), p)?.allowWith).toBe('--docker-allow runtime:kata');
  });

  it('docker policy - host mounts: a prefix holds paths under it on a path boundary, after .. is resolved', () => {
    const p = dockerPolicyOf('host-mounts:/data/', undefined);
    expect(checkDockerRequest(ask({ mounts: [bind('/database')] }), p)?.allowWith).toBe('--docker-allow host-mounts:/database');
    expect(checkDockerRequest(ask({ mounts: [bind('/data/../etc')] }), p)?.message).toMatch(/host path \/etc/);
    expect(checkDockerRequest(ask({ mounts: [bind('/data/./x/')] }), p)).toBeUndefined();
    expect(checkDockerRequest(ask({ mounts: [bind('/data'), bind('/srv', 'container.docker.volumes[1]')] }), p)?.field).toBe('container.docker.volumes[1]');
  });

  it('docker policy - the Docker socket is refused even where mounts of its directory are allowed, unless docker-socket is', () => {
    const mounts = dockerPolicyOf('host-mounts:/', undefined);
    for (const source of ['/var/run/docker.sock', '/run/docker.sock', '/run', '/var/run/', '/var', '/']) {
      expect(checkDockerRequest(ask({ mounts: [bind(source)] }), mounts), source).toMatchObject({ allowWith: '--docker-allow docker-socket' });
    }
    expect(checkDockerRequest(ask({ mounts: [bind('/srv')] }), mounts)).toBeUndefined();
    const socketOnly = dockerPolicyOf('docker-socket', undefined);
    // The socket alone does not allow other host mounts.
    expect(checkDockerRequest(ask({ mounts: [bind('/run/docker.sock')] }), socketOnly)?.allowWith).toBe('--docker-allow host-mounts:/run/docker.sock');
    // The engine the agent talks to, wherever its socket is, counts as the Docker socket too.
    const engine = [...DOCKER_SOCKET_PATHS, '/tmp/dockerd/docker.sock'];
    const tmp = dockerPolicyOf('host-mounts:/tmp', undefined);
    expect(checkDockerRequest(ask({ mounts: [bind('/tmp/dockerd')] }), tmp, engine)?.allowWith).toBe('--docker-allow docker-socket');
    expect(checkDockerRequest(ask({ mounts: [bind('/tmp/other')] }), tmp, engine)).toBeUndefined();
    const both = dockerPolicyOf('docker-socket,host-mounts:/run/docker.sock', undefined);
    expect(checkDockerRequest(ask({ mounts: [bind('/run/docker.sock')] }), both)).toBeUndefined();
  });

  it('docker policy - the image allow-list: globs on the reference; a tagless reference is :latest', () => {
    const p = dockerPolicyOf(undefined, 'registry.example/*,busybox:*');
    expect(checkDockerRequest(ask({ image: 'registry.example/team/app:1.2' }), p)).toBeUndefined();
    expect(checkDockerRequest(ask({ image: 'busybox' }), p)).toBeUndefined();
    expect(checkDockerRequest(ask({ image: 'busybox:1.36' }), p)).toBeUndefined();
    const refused = checkDockerRequest(ask({ image: 'evil.example/busybox:1' }), p);
    expect(refused).toMatchObject({ field: 'container.docker.image', allowWith: '--docker-images' });
    expect(refused?.message).toBe(
      "container.docker.image: image evil.example/busybox:1 is not in this agent's image allow-list (--docker-images registry.example/*,busybox:*)",
    );
    expect(imageGlobMatches('busybox', 'busybox:1')).toBe(false);
    expect(imageGlobMatches('a.b', 'aXb')).toBe(false);
    expect(imageGlobMatches('localhost:5000/x@sha256:*', 'localhost:5000/x@sha256:abc')).toBe(true);
  });
});
