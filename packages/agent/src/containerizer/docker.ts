import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Code, componentLogger, type Logger, TandemError } from '@tandem/protocol';
import Docker from 'dockerode';
import { taskArgv } from './command.js';
import { authFor, type DockerCredentials } from './docker-auth.js';
import { DockerContainer } from './docker-container.js';
import { dockerMessage, dockerStatus } from './docker-errors.js';
import { checkDockerRequest, DEFAULT_DOCKER_POLICY, DOCKER_SOCKET_PATHS, type DockerPolicy, normaliseHostPath } from './docker-policy.js';
import { type DockerRequest, dockerFieldProblem, dockerRequestOf } from './docker-request.js';
import { dockerSettingsOf, dockerSettingsOptions } from './docker-settings.js';
import { killedDuringLaunch, launchError, throwIfAborted } from './launch-failure.js';
import { SandboxLogs } from './sandbox-logs.js';
import { dockerUserIds, handSandboxTo } from './sandbox-owner.js';
import type { Container, Containerizer, LaunchSpec, RecoverSpec } from './types.js';

export const LABEL_TASK_ID = 'tandem.task-id';
export const LABEL_AGENT_ID = 'tandem.agent-id';
export const LABEL_FRAMEWORK_ID = 'tandem.framework-id';

export const DEFAULT_PULL_TIMEOUT_MS = 120_000;
/** Where a task's sandbox is mounted in its container when it fetched URIs (Mesos' place). */
export const SANDBOX_MOUNT = '/mnt/mesos/sandbox';
const PING_TIMEOUT_MS = 3_000;
const MIB = 1024 * 1024;

export interface DockerContainerizerOptions {
  /** The engine client. @default new Docker() (which honours DOCKER_HOST) */
  docker?: Docker;
  /** How long an image pull may take before the launch fails. @default 120000 */
  pullTimeoutMs?: number;
  /**
   * What tasks may ask for beyond a plain container (`tandem agent --docker-allow`,
   * `--docker-images`); a task asking for more is TASK_ERROR naming the field and the flag.
   * @default DEFAULT_DOCKER_POLICY (deny all, any image)
   */
  policy?: DockerPolicy;
  /** Registry credentials for pulls (`tandem agent --docker-config`, see loadDockerCredentials). */
  credentials?: DockerCredentials;
  /**
   * The engine network a task with network NETWORK_BRIDGE joins, its port mappings
   * published on the host (`tandem agent --docker-bridge-network`). @default 'bridge'
   */
  bridgeNetwork?: string;
  logger?: Logger;
}

/** `tandem-<task id, made safe for a container name>-<6 hex chars>`. */
export function containerName(taskId: string): string {
  const safe = taskId.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 100);
  return `tandem-${safe}-${randomBytes(3).toString('hex')}`;
}

/**
 * Runs each task in a Docker container through the local engine: host networking (or the
 * agent's bridge network with the task's port mappings, `bridgeNetwork`), the
 * task's cpus and mem as limits (no swap), docker-init as PID 1 so SIGTERM reaches the
 * command, no new privileges, nothing more unless the agent's DockerPolicy allows it. Output goes to the sandbox's
 * `stdout` and `stderr` files as it is written.
 */
export class DockerContainerizer implements Containerizer {
  readonly name = 'docker' as const;
  /** A container carries its task, framework and agent ids as labels; `recover` matches them. */
  readonly recoversByLabels = true;
  private readonly docker: Docker;
  private readonly pullTimeoutMs: number;
  private readonly policy: DockerPolicy;
  private readonly credentials: DockerCredentials | undefined;
  private readonly bridgeNetwork: string;
  private readonly log: Logger;
  /**
   * Images known to be present. Each is inspected once per agent lifetime rather than
   * once per launch; a create that then fails with "no such image" (removed behind the
   * agent's back) forgets it, checks again (pulling when missing) and retries once.
   */
  private readonly presentImages = new Set<string>();
  /** The well-known engine sockets and the one this containerizer talks to (DOCKER_HOST). */
  private readonly enginePaths: readonly string[];

  constructor(options: DockerContainerizerOptions = {}) {
    this.docker = options.docker ?? new Docker();
    this.pullTimeoutMs = options.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS;
    this.policy = options.policy ?? DEFAULT_DOCKER_POLICY;
    this.credentials = options.credentials;
    this.bridgeNetwork = options.bridgeNetwork ?? 'bridge';
    this.log = componentLogger('docker-containerizer', options.logger);
    const own = (this.docker.modem as { socketPath?: unknown }).socketPath;
    this.enginePaths = typeof own === 'string' && own.startsWith('/') ? [...DOCKER_SOCKET_PATHS, normaliseHostPath(own)] : DOCKER_SOCKET_PATHS;
  }

  async available(): Promise<boolean> {
    try {
      // dockerode's ping takes an abortSignal option; its typings do not say so.
      const ping = this.docker as unknown as { ping(opts: { abortSignal: AbortSignal }): Promise<unknown> };
      await ping.ping({ abortSignal: AbortSignal.timeout(PING_TIMEOUT_MS) });
      return true;
    } catch {
      return false;
    }
  }

  async launch(spec: LaunchSpec, signal?: AbortSignal): Promise<Container> {
    const docker = spec.task.container?.docker;
    const image = docker?.image ?? '';
    if (!image) throw launchError('REASON_TASK_INVALID', 'container.docker.image: a Docker task needs an image', Code.InvalidArgument);
    const malformed = dockerFieldProblem(docker);
    if (malformed) throw launchError('REASON_TASK_INVALID', malformed.message, Code.InvalidArgument, 'TASK_ERROR');
    const settings = dockerSettingsOf(docker);
    if ('problem' in settings) throw launchError('REASON_TASK_INVALID', `${settings.field}: ${settings.problem}`, Code.InvalidArgument, 'TASK_ERROR');
    for (const [i, m] of settings.portMappings.entries()) {
      if (!spec.ports.includes(m.hostPort)) {
        const message = `container.docker.port_mappings[${i}].host_port: ${m.hostPort} is not one of the task's ports resources (${spec.ports.join(', ') || 'none'})`;
        throw launchError('REASON_TASK_INVALID', message, Code.InvalidArgument, 'TASK_ERROR');
      }
    }
    const request = dockerRequestOf(docker);
    const refused = checkDockerRequest(request, this.policy, this.enginePaths);
    if (refused) throw launchError('REASON_TASK_UNAUTHORIZED', refused.message, Code.PermissionDenied, 'TASK_ERROR');
    throwIfAborted(signal);
    await this.ensureImage(image, docker?.forcePullImage ?? false, signal);
    throwIfAborted(signal);

    const argv = taskArgv(spec.task);
    const shell = spec.task.command?.shell === true && argv !== undefined;
    const memoryMiB = spec.resources.mem;
    const memory = memoryMiB > 0 ? Math.round(memoryMiB * MIB) : 0;
    const cpus = spec.resources.cpus;
    const user = spec.task.command?.user ?? '';
    const extra = dockerSettingsOptions(settings, this.bridgeNetwork);
    // Fetched URIs are in the sandbox: it is mounted where Mesos mounts it, as MESOS_SANDBOX.
    const fetched = (spec.task.command?.uris ?? []).length > 0;
    const env = fetched ? { ...spec.env, MESOS_SANDBOX: SANDBOX_MOUNT } : spec.env;
    const access = hostAccess(request);
    if (fetched) access.Mounts = [...(access.Mounts ?? []), { Type: 'bind', Source: resolve(spec.sandboxDir), Target: SANDBOX_MOUNT, ReadOnly: false }];
    // As Mesos' fetcher: what was fetched is the task user's (a name as the agent's host knows it).
    const owner = fetched && user && process.getuid?.() === 0 ? await dockerUserIds(user) : undefined;
    if (owner) await handSandboxTo(resolve(spec.sandboxDir), spec.fetched ?? [], owner.uid, owner.gid);
    const options: Docker.ContainerCreateOptions = {
      name: containerName(spec.taskId),
      Image: image,
      // A shell command replaces any ENTRYPOINT; plain arguments are appended to it.
      ...(shell ? { Entrypoint: ['/bin/sh', '-c'], Cmd: argv.slice(2) } : argv ? { Cmd: argv } : {}),
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...(user ? { User: user } : {}),
      WorkingDir: extra.WorkingDir ?? '',
      ...(extra.Hostname ? { Hostname: extra.Hostname } : {}),
      ...(extra.ExposedPorts ? { ExposedPorts: extra.ExposedPorts } : {}),
      Labels: {
        ...settings.labels,
        [LABEL_TASK_ID]: spec.taskId,
        [LABEL_AGENT_ID]: spec.agentId,
        [LABEL_FRAMEWORK_ID]: spec.frameworkId,
      },
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        ...extra.HostConfig,
        ...(memory > 0 ? { Memory: memory, MemorySwap: memory } : {}),
        ...(cpus > 0 ? { NanoCpus: Math.round(cpus * 1e9) } : {}),
        Init: true,
        SecurityOpt: ['no-new-privileges'],
        RestartPolicy: { Name: '' },
        ...access,
      },
    };
    // The sandbox files open while the engine creates the container: neither waits for the other.
    const opening = SandboxLogs.open(spec.sandboxDir);
    opening.catch(() => undefined); // awaited below; a create failure must not leave it unhandled
    let created: Docker.Container;
    try {
      created = await this.create(options, image, signal);
    } catch (err) {
      await opening.then((logs) => logs.close()).catch(() => undefined);
      throw err;
    }
    const log = this.log.child({ taskId: spec.taskId, containerId: created.id.slice(0, 12) });
    try {
      throwIfAborted(signal);
      const logs = await opening;
      // Attach before start, so that no output is lost.
      let stream: NodeJS.ReadWriteStream;
      try {
        stream = await created.attach({ stream: true, stdout: true, stderr: true });
      } catch (err) {
        await logs.close();
        throw err;
      }
      const logsDone = logs.copyMultiplexed(stream);
      try {
        await created.start();
      } catch (err) {
        (stream as unknown as { destroy?: () => void }).destroy?.();
        await logsDone.catch(() => undefined);
        throw launchError('REASON_CONTAINER_LAUNCH_FAILED', `could not start the container: ${dockerMessage(err)}`);
      }
      log.info({ image }, 'container started');
      return new DockerContainer({ docker: this.docker, id: created.id, taskId: spec.taskId, logsDone, memoryMiB, log: this.log });
    } catch (err) {
      await created.remove({ force: true }).catch((e: unknown) => log.warn({ err: dockerMessage(e) }, 'could not remove a container that failed to launch'));
      if (signal?.aborted) throw killedDuringLaunch();
      if (err instanceof TandemError) throw err;
      throw launchError('REASON_CONTAINER_LAUNCH_FAILED', `could not launch the container: ${dockerMessage(err)}`);
    }
  }

  /**
   * Creates the container. When the engine answers that the image is not there although
   * it was known present, the image is checked (and pulled when missing) and the create
   * tried once more.
   */
  private async create(options: Docker.ContainerCreateOptions, image: string, signal?: AbortSignal): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer(options);
    } catch (err) {
      if (!isNoSuchImage(err)) throw launchError('REASON_CONTAINER_LAUNCH_FAILED', `could not create the container: ${dockerMessage(err)}`);
      this.presentImages.delete(image);
      this.log.info({ image }, 'the image went missing; checking it again');
    }
    throwIfAborted(signal);
    await this.ensureImage(image, false, signal);
    throwIfAborted(signal);
    try {
      return await this.docker.createContainer(options);
    } catch (err) {
      if (isNoSuchImage(err)) this.presentImages.delete(image);
      throw launchError('REASON_CONTAINER_LAUNCH_FAILED', `could not create the container: ${dockerMessage(err)}`);
    }
  }

  /** Pulls `image` unless it is present (always with `force`), within the pull timeout. */
  private async ensureImage(image: string, force: boolean, signal?: AbortSignal): Promise<void> {
    if (!force && this.presentImages.has(image)) return;
    if (!force && (await this.hasImage(image))) {
      this.presentImages.add(image);
      return;
    }
    const timeout = AbortSignal.timeout(this.pullTimeoutMs);
    const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const started = Date.now();
    try {
      const authconfig = authFor(this.credentials, image);
      const stream = await this.docker.pull(image, { abortSignal: abort, ...(authconfig ? { authconfig } : {}) });
      const output = await new Promise<unknown[]>((resolve, reject) => {
        const onAbort = (): void => {
          (stream as unknown as { destroy?: (e?: Error) => void }).destroy?.();
          reject(abort.reason);
        };
        abort.addEventListener('abort', onAbort, { once: true });
        this.docker.modem.followProgress(stream, (err: Error | null, out: unknown[]) => {
          abort.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve(out);
        });
      });
      const failed = output.find((e): e is { error: string } => typeof (e as { error?: unknown }).error === 'string');
      if (failed) throw new Error(failed.error);
      if (!(await this.hasImage(image))) throw new Error('the pull ended but the image is not there');
      this.presentImages.add(image);
      this.log.info({ image, ms: Date.now() - started }, 'image pulled');
    } catch (err) {
      if (signal?.aborted) throw killedDuringLaunch();
      const why = timeout.aborted ? `timed out after ${this.pullTimeoutMs} ms` : dockerMessage(err);
      throw launchError('REASON_CONTAINER_PULL_FAILED', `could not pull image ${image}: ${why}`);
    }
  }

  private async hasImage(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if (dockerStatus(err) === 404) return false;
      throw launchError('REASON_CONTAINER_LAUNCH_FAILED', `could not inspect image ${image}: ${dockerMessage(err)}`);
    }
  }

  /** The containers labelled with this agent id, newest first. */
  private async listOwn(agentId: string): Promise<Docker.ContainerInfo[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_AGENT_ID}=${agentId}`] } });
    return list.sort((a, b) => b.Created - a.Created);
  }

  async recover(agentId: string, tasks: readonly RecoverSpec[]): Promise<Map<string, Container>> {
    const own = await this.listOwn(agentId);
    const out = new Map<string, Container>();
    for (const spec of tasks) {
      const info = spec.containerId
        ? own.find((c) => c.Id === spec.containerId || c.Id.startsWith(spec.containerId ?? ''))
        : (own.find((c) => matches(c, spec) && c.State === 'running') ?? own.find((c) => matches(c, spec)));
      if (!info) continue;
      const logsDone = spec.sandboxDir ? this.followLogs(info.Id, spec.sandboxDir) : Promise.resolve();
      const memory = await this.docker
        .getContainer(info.Id)
        .inspect()
        .then((i) => i.HostConfig.Memory ?? 0)
        .catch(() => 0);
      out.set(spec.taskId, new DockerContainer({ docker: this.docker, id: info.Id, taskId: spec.taskId, logsDone, memoryMiB: memory / MIB, log: this.log }));
      this.log.info({ taskId: spec.taskId, containerId: info.Id.slice(0, 12), state: info.State }, 'container recovered');
    }
    return out;
  }

  /**
   * Resumes copying a container's output into the sandbox, from about when the files
   * were last written (Docker's `since` has second granularity at worst, so a line or
   * two may repeat; none is lost).
   */
  private async followLogs(id: string, sandboxDir: string): Promise<void> {
    const mtimes = await Promise.all(
      ['stdout', 'stderr'].map((f) =>
        stat(join(sandboxDir, f)).then(
          (s) => s.mtimeMs,
          () => 0,
        ),
      ),
    );
    const sinceMs = Math.max(...mtimes);
    const logs = await SandboxLogs.open(sandboxDir);
    try {
      const stream = await this.docker.getContainer(id).logs({
        follow: true,
        stdout: true,
        stderr: true,
        since: sinceMs > 0 ? (sinceMs / 1000).toFixed(3) : 0,
      } as unknown as Docker.ContainerLogsOptions & {
        follow: true;
      });
      await logs.copyMultiplexed(stream);
    } catch (err) {
      await logs.close();
      throw err;
    }
  }

  async orphans(agentId: string, known: ReadonlySet<string>): Promise<string[]> {
    const own = await this.listOwn(agentId);
    return own.filter((c) => !known.has(c.Id)).map((c) => c.Id);
  }
}

/**
 * The HostConfig fields of what `request` asks of the host (checked by the policy
 * before): each volume as a bind mount (the Mounts API: a missing host path fails the
 * create instead of being created as root) or a named volume (the engine's local driver,
 * created on first use), and the rest as asked.
 */
export function hostAccess(request: DockerRequest): Docker.HostConfig {
  return {
    Privileged: request.privileged,
    Binds: [],
    Mounts: request.mounts.map((m) => ({ Type: m.type, Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
    ...(request.capAdd.length > 0 ? { CapAdd: [...request.capAdd] } : {}),
    ...(request.pidMode ? { PidMode: request.pidMode } : {}),
    ...(request.ipcMode ? { IpcMode: request.ipcMode } : {}),
    ...(request.devices.length > 0
      ? { Devices: request.devices.map((d) => ({ PathOnHost: d.hostPath, PathInContainer: d.containerPath, CgroupPermissions: d.permissions })) }
      : {}),
    ...(request.runtime ? { Runtime: request.runtime } : {}),
  };
}

/** The engine's 404 for a create whose image is not there ("No such image: ..."). */
function isNoSuchImage(err: unknown): boolean {
  return dockerStatus(err) === 404 && /no such image/i.test(dockerMessage(err));
}

function matches(c: Docker.ContainerInfo, spec: RecoverSpec): boolean {
  if (c.Labels[LABEL_TASK_ID] !== spec.taskId) return false;
  return !spec.frameworkId || c.Labels[LABEL_FRAMEWORK_ID] === spec.frameworkId;
}
