export { Agent } from './agent.js';
export type { AgentOptions } from './options.js';
export {
  DEFAULT_STATUS_RETRY_MS,
  DEFAULT_RECONNECT_BACKOFF,
  DEFAULT_KILL_GRACE_PERIOD_MS,
  AGENT_VERSION,
} from './options.js';
export type { AgentLifecycle } from './agent-lifecycle.js';
export type { TaskSnapshot } from './agent-task.js';
export type { TaskPhase } from './task-phase.js';
export { HollowContainer, HollowContainerizer, type HollowContainerizerOptions, HollowRegistry, HOLLOW_DURATION_ENV, HOLLOW_DURATION_LABEL } from './containerizer/hollow.js';
export { detectResources, resolveResources } from './resources.js';
export { buildTaskEnv, taskPorts, type TaskEnvContext } from './task-env.js';
export { StatusUpdateManager, type StatusInput, type StatusUpdateManagerOptions } from './status-update-manager.js';
export type {
  Containerizer,
  Container,
  ContainerExit,
  LaunchSpec,
  LaunchFailure,
  RecoverSpec,
} from './containerizer/types.js';
export {
  DockerContainerizer,
  ProcessContainerizer,
  MemoryCgroups,
  RssMonitor,
  launchError,
  killedDuringLaunch,
  describeExit,
  type DockerContainerizerOptions,
  type ProcessContainerizerOptions,
  type MemoryIsolation,
} from './containerizer/index.js';
export { startAgentHttp, type AgentHttpApi } from './http-api.js';
