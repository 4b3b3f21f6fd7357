export {
  DEFAULT_MAX_BODY_BYTES,
  ENV_NAME_PATTERN,
  MAX_GRPC_MESSAGE_BYTES,
  MAX_TASK_CPUS,
  MAX_TASK_DISK_MB,
  MAX_TASK_MEM_MB,
  MAX_TASK_URIS,
  reportBadEnvNames,
} from './api-limits.js';
export { AsyncQueue } from './async-queue.js';
export { formatAttributes, parseAttributes } from './attributes.js';
export * from './auth/index.js';
export { Backoff, type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, sleep } from './backoff.js';
export { CONTAINER_HOSTNAME, DOCKER_LABEL_KEY, DOCKER_ULIMIT_NAMES, DOCKER_VOLUME_NAME, isDockerUlimitName } from './docker-names.js';
export { Code, type FieldErrors, grpcCodeOf, isServiceError, LEADER_TRAILER, TandemError, ValidationError } from './errors.js';
export { EventBus } from './event-bus.js';
export * from './generated/friendly.js';
export {
  agentClient,
  CHANNEL_OPTIONS,
  type ClientOptions,
  nowSeconds,
  operatorClient,
  SERVER_OPTIONS,
  schedulerClient,
} from './grpc.js';
export { HEALTH_CHECK_TYPES, validateHealthChecks } from './health-checks.js';
export { allowCors, type CorsAnswer, corsAnswer, parseCorsOrigins } from './http/cors.js';
export { type ErrorReply, type ErrorReplyOptions, errorReply } from './http/error-reply.js';
export { requestPrincipal, requireHttpAuth, setRequestPrincipal } from './http/fastify-auth.js';
export {
  DEFAULT_FETCH_TIMEOUT_MS,
  type FetchJsonOptions,
  fetchJson,
  type HttpClientTls,
  httpRequestText,
  type TextResponse,
} from './http/fetch-json.js';
export { HttpAclGuard } from './http/http-acl.js';
export {
  allowAll,
  basicAuthorization,
  FORWARDED_PRINCIPAL_HEADER,
  HTTP_AUTH_REALM,
  HttpAuth,
  type HttpAuthConfig,
  type HttpAuthDecision,
  type HttpAuthorizer,
  type HttpRequestInfo,
  isMutating,
  OPEN_PATHS,
} from './http/http-auth.js';
export {
  type BasicCredential,
  type BearerToken,
  parseBasicCredential,
  parseBasicCredentialList,
  parseBasicCredentialsFile,
  parseBearerTokensFile,
} from './http/http-credentials.js';
export { DEFAULT_HTTP_RATE_LIMIT, type HttpRateLimitOptions, limitHttpRate, RATE_EXEMPT_PATHS } from './http/http-rate-limit.js';
export { HTTP_STATUS, type HttpStatusOverrides, httpStatusOf, METRONOME_STATUS } from './http/http-status.js';
export {
  fastifyServerOptions,
  httpScheme,
  httpsServerOptions,
  isTlsRequest,
  pemPrincipal,
  requestCertificatePrincipal,
} from './http/https-server.js';
export { acceptJsonBodies, isJsonMediaType, RequestBodyError } from './http/json-body.js';
export { DEFAULT_SSE_KEEPALIVE_MS, type SseStream, SseStreams } from './http/sse.js';
export { fieldPath, jsonPointer, type PathIssue, zodDetails } from './http/zod-details.js';
export { checkId, newId, newUuid } from './ids.js';
export { LOADER_OPTIONS, PROTO_DIR, tandemV1 } from './loader.js';
export { componentLogger, configureRootLogger, createLogger, type Logger, type RootLoggerSettings } from './logger.js';
export { type LongTimeout, setLongTimeout } from './long-timeout.js';
export {
  DEFAULT_HA_RETRY_CAP_MS,
  DEFAULT_MAX_IMMEDIATE_REDIRECTS,
  type FollowStep,
  isHostPort,
  LeaderFollower,
  type LeaderFollowerOptions,
  parseMasterList,
} from './master-list.js';
export { type MessageCodec, messageCodec, protoRoot } from './message-codec.js';
export { type GrpcPatches, installGrpcPatches } from './patches/install-grpc-patches.js';
export { isRangeResource, type Range, type ResourceSpec, Resources, rangeCount } from './resources.js';
export {
  checkEnvSecrets,
  checkSecretSource,
  envSecretRefSchema,
  envValueSchema,
  envWithSecretSources,
  SECRET_SOURCE_PATTERN,
  secretSourceProblem,
  secretSourcesOf,
  secretsSchema,
  undefinedSecretRefs,
} from './secrets.js';
export { DEFAULT_SERIAL_YIELD_AFTER_MS, SerialChain, type SerialChainOptions } from './serial-chain.js';
export { canTransition, isTerminal, TASK_TRANSITIONS, type TaskState, TaskStates } from './task-state.js';
export { clientCredentials, explainTlsFailure, readTlsFiles, serverCredentials, type TlsFiles, type TlsPaths } from './tls.js';
export { describeRate, type RateLimit, TokenBuckets } from './token-buckets.js';
export { type WireCodecs, wireCodecs } from './wire-codecs.js';
