import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { upBanner, urlHost } from './up-banner.js';

const endpoints = {
  bind: '127.0.0.1',
  masterAddress: '127.0.0.1:5050',
  httpPort: 5051,
  appsPort: 8080,
  jobsPort: 8090,
  agentId: 'agent-1',
  agentHttpPort: 5052,
  containerizers: ['docker', 'process'],
  keepTasks: false,
};

describe('tandem up banner', () => {
  it('up banner - one line per URL, aligned: UI, master, its API, apps, jobs, agent', () => {
    expect(upBanner(endpoints).split('\n')).toEqual([
      'tandem up: ready. Ctrl-C stops the cluster and kills its tasks',
      '  UI          http://127.0.0.1:5051/',
      '  master      127.0.0.1:5050 (gRPC: tandem tasks --master 127.0.0.1:5050)',
      '  master API  http://127.0.0.1:5051/api/v1/state',
      '  apps        http://127.0.0.1:8080 (Marathon API: /v2/apps)',
      '  jobs        http://127.0.0.1:8090 (Metronome API: /v1/jobs)',
      '  agent       agent-1 with docker,process, http://127.0.0.1:5052/api/v1/state',
      '',
    ]);
  });

  it('up banner - what is off is left out; --keep-tasks says so; every interface shows the host name', () => {
    const b = upBanner({ ...endpoints, httpPort: -1, appsPort: -1, jobsPort: -1, agentHttpPort: -1, keepTasks: true, bind: '0.0.0.0' });
    expect(b).not.toMatch(/UI|apps|jobs|master API|http:/);
    expect(b).toContain('--keep-tasks');
    expect(urlHost('0.0.0.0')).toBe(hostname());
    expect(urlHost('::1')).toBe('[::1]');
  });
});
