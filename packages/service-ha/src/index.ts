// @tandem/service-ha: what the apps and jobs frameworks share to run in high availability,
// as Marathon ran: several processes on one NATS KV bucket, one elected leader running the
// framework, the others forwarding its REST API to it.
export { advertiseHostFor } from './advertise-host.js';
export { canMove as canMoveElected, ELECTED_TRANSITIONS, type ElectedPhase } from './elected-phase.js';
export { ElectedService, type ElectedServiceOptions, type LeadingService } from './elected-service.js';
export { type HaServiceOptions, type RunningHaService, startHaService } from './ha-service.js';
export { hostPortOf, LeaderFront, type LeaderFrontOptions, type LeaderSource, type LeaderView, type LocalReply, type LocalRoute } from './leader-front.js';
export {
  DEFAULT_PROXY_TIMEOUT_MS,
  endToEndHeaders,
  forwardedRequestHeaders,
  LEADER_HEADER,
  PROXIED_BY_HEADER,
  type ProxyOptions,
  proxyRequest,
  sendJson,
} from './leader-proxy.js';
export { leaderRoute, pingRoute } from './local-routes.js';
export { DEFAULT_STORE_REPLICAS, defaultStoreReplicas } from './store-replicas.js';
