import { describe, expect, it } from 'vitest';
import { validationDetails as details, TEST_LIMITS as limits, TEST_STAMP as stamp } from '../test-support/validation.js';
import { validateApp } from './validate-app.js';

const image = { type: 'DOCKER', docker: { image: 'busybox' } };

describe('bridge port mappings', () => {
  it('port-mappings - each mapping becomes a port of the app with its service port, name, protocol and labels', () => {
    const app = validateApp(
      {
        id: 'b',
        networks: [{ mode: 'container/bridge' }],
        container: {
          ...image,
          portMappings: [
            { containerPort: 80, hostPort: 0, servicePort: 10001, name: 'http', labels: { vip: 'x' } },
            { containerPort: 53, protocol: 'udp' },
          ],
        },
      },
      limits,
      stamp,
    );
    expect(app.portDefinitions).toEqual([
      { port: 10001, protocol: 'tcp', name: 'http', labels: { vip: 'x' } },
      { port: 0, protocol: 'udp', name: undefined, labels: undefined },
    ]);
  });

  it('port-mappings - misplaced or conflicting mappings are 422s naming the field', () => {
    const pm = [{ containerPort: 80 }];
    expect(Object.keys(details({ id: 'a', container: { ...image, portMappings: pm } }))).toEqual(['/container/portMappings']);
    expect(Object.keys(details({ id: 'a', container: { type: 'DOCKER', docker: { image: 'i', portMappings: pm } } }))).toEqual([
      '/container/docker/portMappings',
    ]);
    expect(
      Object.keys(
        details({
          id: 'a',
          networks: [{ mode: 'container/bridge' }],
          container: { type: 'DOCKER', docker: { image: 'i', portMappings: pm }, portMappings: pm },
        }),
      ),
    ).toEqual(['/container/docker/portMappings']);
    expect(Object.keys(details({ id: 'a', cmd: 'x', networks: [{ mode: 'container/bridge' }] }))).toEqual(['/networks']);
    expect(Object.keys(details({ id: 'a', networks: [{ mode: 'container', name: 'dcos' }], container: image }))).toEqual(['/networks/0/mode']);
    expect(Object.keys(details({ id: 'a', container: { type: 'DOCKER', docker: { image: 'i', network: 'USER' } } }))).toEqual(['/container/docker/network']);
    const twice = details({
      id: 'a',
      networks: [{ mode: 'container/bridge' }],
      container: {
        ...image,
        portMappings: [
          { containerPort: 1, hostPort: 31000 },
          { containerPort: 2, hostPort: 31000 },
        ],
      },
    });
    expect(twice['/container/portMappings']?.[0]).toMatch(/31000 given more than once/);
    const other = details({
      id: 'a',
      networks: [{ mode: 'container/bridge' }],
      container: { ...image, portMappings: [{ containerPort: 1, servicePort: 10000 }] },
      portDefinitions: [{ port: 9 }],
    });
    expect(Object.keys(other)).toEqual(['/portDefinitions']);
  });
});
