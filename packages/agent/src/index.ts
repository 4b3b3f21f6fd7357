export { Agent } from './agent.js';
export type { AgentLifecycle } from './agent-lifecycle.js';
export { AgentMetrics, type AgentMetricsView } from './agent-metrics.js';
export type { TaskSnapshot } from './agent-task.js';
export {
  HOLLOW_DURATION_ENV,
  HOLLOW_DURATION_LABEL,
  HollowContainer,
  HollowContainerizer,
  type HollowContainerizerOptions,
  HollowRegistry,
} from './containerizer/hollow.js';
export {
  checkDockerRequest,
  DEFAULT_DOCKER_POLICY,
  DOCKER_ALLOW_ITEMS,
  DockerContainerizer,
  type DockerContainerizerOptions,
  type DockerCredentials,
  type DockerPolicy,
  type DockerRequest,
  describeExit,
  dockerPolicyOf,
  killedDuringLaunch,
  launchError,
  loadDockerCredentials,
  MemoryCgroups,
  type MemoryIsolation,
  ProcessContainerizer,
  type ProcessContainerizerOptions,
  parseDockerAllow,
  parseDockerImages,
  RssMonitor,
} from './containerizer/index.js';
export type {
  Container,
  ContainerExit,
  Containerizer,
  LaunchFailure,
  LaunchSpec,
  RecoverSpec,
} from './containerizer/types.js';
export {
  DEFAULT_AGENT_HTTP_PORT,
  DEFAULT_AGENT_WORK_DIR,
  DEFAULT_FETCH_MAX_URIS,
  DEFAULT_KILL_GRACE_PERIOD_MS,
  DEFAULT_MAX_CONCURRENT_LAUNCHES,
  DEFAULT_RECONNECT_BACKOFF,
  DEFAULT_REGISTER_TIMEOUT_MS,
  DEFAULT_STATUS_RETRY_MS,
} from './defaults.js';
export { DEFAULT_FETCH_MAX_BYTES, DEFAULT_FETCH_TIMEOUT_MS, Fetcher, type FetcherOptions } from './fetcher.js';
export { detectResources, resolveResources } from './host-resources.js';
export { AGENT_OPEN_PATHS, type AgentHttpApi, type AgentHttpOptions, startAgentHttp } from './http-api.js';
export type { AgentOptions, HollowAgentOptions } from './options.js';
export { AGENT_VERSION, resolveAgentOptions } from './options.js';
export { checkSecretsDir, DirectorySecretSource, MAX_SECRET_BYTES, NO_SECRETS, SecretError, type SecretSource } from './secret-source.js';
export { SharedAgentChannel } from './shared-agent-channel.js';
export { type StatusInput, StatusUpdateManager, type StatusUpdateManagerOptions } from './status-update-manager.js';
export { buildTaskEnv, type TaskEnvContext, taskPorts } from './task-env.js';
export type { TaskPhase } from './task-phase.js';
