export * from './generated/friendly.js';
export { tandemV1, PROTO_DIR, LOADER_OPTIONS } from './loader.js';
export { Code, TandemError, ValidationError, isServiceError, grpcCodeOf } from './errors.js';
export { Resources, rangeCount, isRangeResource, type Range, type ResourceSpec } from './resources.js';
export { parseAttributes, formatAttributes } from './attributes.js';
export { TaskStates, TASK_TRANSITIONS, isTerminal, canTransition, type TaskState } from './task-state.js';
export { Backoff, sleep, type BackoffOptions } from './backoff.js';
export { createLogger, componentLogger, type Logger } from './logger.js';
export { newId, newUuid, checkId } from './ids.js';
export { AsyncQueue } from './async-queue.js';
export {
  CHANNEL_OPTIONS,
  SERVER_OPTIONS,
  schedulerClient,
  agentClient,
  operatorClient,
  nowSeconds,
  type ClientOptions,
} from './grpc.js';
