export type { Container, ContainerExit, Containerizer, LaunchFailure, LaunchSpec, RecoverSpec } from './types.js';
export {
  DockerContainerizer,
  DEFAULT_PULL_TIMEOUT_MS,
  LABEL_AGENT_ID,
  LABEL_FRAMEWORK_ID,
  LABEL_TASK_ID,
  containerName,
  type DockerContainerizerOptions,
} from './docker.js';
export { launchError, killedDuringLaunch } from './launch-failure.js';
export { describeExit } from './exit-status.js';
export { ProcessContainerizer, type MemoryIsolation, type ProcessContainerizerOptions } from './process.js';
export { MemoryCgroups, type MemoryCgroup, type CgroupVersion } from './cgroups.js';
export { RssMonitor, DEFAULT_RSS_INTERVAL_MS } from './rss-monitor.js';
