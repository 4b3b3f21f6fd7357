import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DockerInfo, Resources, type TaskInfo } from '@tandem/protocol';
import type { LaunchSpec } from '../containerizer/types.js';

export interface SpecOptions {
  agentId: string;
  taskId: string;
  frameworkId?: string;
  /** A shell command (`/bin/sh -c`)… */
  shell?: string;
  /** …or an argv. */
  argv?: string[];
  image?: string;
  privileged?: boolean;
  /** More of `container.docker` (volumes, cap_add, ...). */
  docker?: Partial<DockerInfo>;
  mem?: number;
  cpus?: number;
  env?: Record<string, string>;
  ports?: number[];
  sandboxDir?: string;
}

/** A DockerInfo (as received) asking nothing of the host. */
export const NO_HOST_ACCESS: DockerInfo = {
  image: '',
  forcePullImage: false,
  privileged: false,
  volumes: [],
  capAdd: [],
  pidMode: 'NAMESPACE_DEFAULT',
  ipcMode: 'NAMESPACE_DEFAULT',
  devices: [],
  runtime: '',
  labels: [],
  workdir: '',
  hostname: '',
  shmSizeBytes: 0,
  ulimits: [],
  readOnly: false,
  network: 'NETWORK_HOST',
  portMappings: [],
};

/** A LaunchSpec for containerizer tests, with a fresh sandbox directory. */
export async function launchSpec(o: SpecOptions): Promise<LaunchSpec> {
  const task: TaskInfo = {
    taskId: o.taskId,
    name: o.taskId,
    agentId: o.agentId,
    resources: [],
    command: { shell: o.shell !== undefined, value: o.shell ?? '', arguments: o.argv ?? [], environment: [], user: '', uris: [] },
    container: o.image
      ? { type: 'DOCKER', docker: { ...NO_HOST_ACCESS, image: o.image, privileged: o.privileged ?? false, ...o.docker } }
      : { type: 'PROCESS', docker: null },
    labels: [],
    killPolicy: null,
    healthChecks: [],
  };
  return {
    taskId: o.taskId,
    frameworkId: o.frameworkId ?? 'fw-test',
    agentId: o.agentId,
    task,
    resources: Resources.of({ cpus: o.cpus ?? 0.5, mem: o.mem ?? 64 }),
    ports: o.ports ?? [],
    env: o.env ?? {},
    sandboxDir: o.sandboxDir ?? (await mkdtemp(join(tmpdir(), 'tandem-sandbox-'))),
  };
}
