import { describe, expect, it } from 'vitest';
import type { DockerInfo } from './docker-request.js';
import { dockerSettingsOf, dockerSettingsOptions } from './docker-settings.js';

const info = (extra: Partial<DockerInfo>): DockerInfo => ({ image: 'i', ...extra }) as DockerInfo;

describe('docker settings', () => {
  it("docker-settings - bridge mappings become ExposedPorts and PortBindings on the agent's bridge network; the rest map onto the HostConfig", () => {
    const settings = dockerSettingsOf(
      info({
        network: 'NETWORK_BRIDGE',
        portMappings: [
          { containerPort: 80, hostPort: 31000, protocol: '' },
          { containerPort: 53, hostPort: 31001, protocol: 'udp' },
        ],
        labels: [{ key: 'team', value: 'web' }],
        workdir: '/srv',
        hostname: 'h1',
        memorySwappiness: 0,
        shmSizeBytes: 1024,
        ulimits: [{ name: 'nofile', soft: 10, hard: 20 }],
        readOnly: true,
      }),
    );
    if ('problem' in settings) throw new Error(settings.problem);
    expect(dockerSettingsOptions(settings, 'tandem-br')).toEqual({
      WorkingDir: '/srv',
      Hostname: 'h1',
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      HostConfig: {
        NetworkMode: 'tandem-br',
        PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '31000' }], '53/udp': [{ HostIp: '', HostPort: '31001' }] },
        MemorySwappiness: 0,
        ShmSize: 1024,
        Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 20 }],
        ReadonlyRootfs: true,
      },
    });
    const plain = dockerSettingsOf(info({}));
    if ('problem' in plain) throw new Error(plain.problem);
    expect(dockerSettingsOptions(plain, 'bridge')).toEqual({ HostConfig: { NetworkMode: 'host' } });
  });

  it('docker-settings - a malformed value names its field', () => {
    const cases: [Partial<DockerInfo>, string][] = [
      [{ portMappings: [{ containerPort: 80, hostPort: 31000, protocol: 'tcp' }] }, 'container.docker.port_mappings'],
      [
        { network: 'NETWORK_BRIDGE', portMappings: [{ containerPort: 0, hostPort: 31000, protocol: 'tcp' }] },
        'container.docker.port_mappings[0].container_port',
      ],
      [{ network: 'NETWORK_BRIDGE', portMappings: [{ containerPort: 80, hostPort: 31000, protocol: 'sctp' }] }, 'container.docker.port_mappings[0].protocol'],
      [
        {
          network: 'NETWORK_BRIDGE',
          portMappings: [
            { containerPort: 80, hostPort: 31000, protocol: 'tcp' },
            { containerPort: 81, hostPort: 31000, protocol: 'tcp' },
          ],
        },
        'container.docker.port_mappings[1].host_port',
      ],
      [{ labels: [{ key: 'tandem.task-id', value: 'x' }] }, 'container.docker.labels[0].key'],
      [{ workdir: 'rel' }, 'container.docker.workdir'],
      [{ hostname: 'a b' }, 'container.docker.hostname'],
      [{ memorySwappiness: 101 }, 'container.docker.memory_swappiness'],
      [{ ulimits: [{ name: 'nofile', soft: 30, hard: 20 }] }, 'container.docker.ulimits[0]'],
      [{ ulimits: [{ name: 'bogus', soft: 1, hard: 1 }] }, 'container.docker.ulimits[0].name'],
    ];
    for (const [extra, field] of cases) {
      const got = dockerSettingsOf(info(extra));
      expect('problem' in got ? got.field : 'accepted', JSON.stringify(extra)).toBe(field);
    }
  });
});
