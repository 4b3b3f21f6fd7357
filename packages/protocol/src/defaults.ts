/**
 * Constants of the protocol in a module that loads nothing heavy (no gRPC, protobuf, HTTP
 * server or validation library), so the CLI can build its commands and their --help
 * without loading the protocol (`@tandem/protocol/defaults`). Everything here is also
 * exported by the package's index.
 */
export { DEFAULT_HTTP_RATE_LIMIT, DEFAULT_MAX_BODY_BYTES, MAX_GRPC_MESSAGE_BYTES } from './api-limits.js';
export { ACL_ACTIONS, ACL_OBJECTS, type AclAction, isAclAction } from './auth/acl-actions.js';
export { TaskStates } from './task-state.js';
