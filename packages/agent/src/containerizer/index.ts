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
export { DOCKER_ALLOW_ITEMS, dockerPolicyOf, parseDockerAllow, parseDockerImages } from './docker-allow.js';
export { authFor, type DockerCredentials, loadDockerCredentials, type RegistryAuth, registryOf } from './docker-auth.js';
export {
  checkDockerRequest,
  DEFAULT_DOCKER_POLICY,
  DOCKER_SOCKET_PATHS,
  type DockerPolicy,
  type DockerRefusal,
  imageGlobMatches,
} from './docker-policy.js';
export {
  type DockerDeviceRequest,
  type DockerFieldProblem,
  type DockerMountRequest,
  type DockerRequest,
  dockerFieldProblem,
  dockerRequestOf,
} from './docker-request.js';
export { describeExit } from './exit-status.js';
export { killedDuringLaunch, launchError } from './launch-failure.js';
export { type MemoryIsolation, ProcessContainerizer, type ProcessContainerizerOptions } from './process.js';
export { DEFAULT_RSS_INTERVAL_MS, RssMonitor } from './rss-monitor.js';
export type { Container, ContainerExit, Containerizer, LaunchFailure, LaunchSpec, RecoverSpec } from './types.js';
