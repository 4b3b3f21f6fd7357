export { type CgroupVersion, type MemoryCgroup, MemoryCgroups } from './cgroups.js';
export {
  containerName,
  DEFAULT_PULL_TIMEOUT_MS,
  DockerContainerizer,
  type DockerContainerizerOptions,
  LABEL_AGENT_ID,
  LABEL_FRAMEWORK_ID,
  LABEL_TASK_ID,
} from './docker.js';
export { describeExit } from './exit-status.js';
export { killedDuringLaunch, launchError } from './launch-failure.js';
export { type MemoryIsolation, ProcessContainerizer, type ProcessContainerizerOptions } from './process.js';
export { DEFAULT_RSS_INTERVAL_MS, RssMonitor } from './rss-monitor.js';
export type { Container, ContainerExit, Containerizer, LaunchFailure, LaunchSpec, RecoverSpec } from './types.js';
