import { hostPortOf, type LocalRoute } from './leader-front.js';

/** `GET /ping` → `pong`, on every process. */
export function pingRoute(): LocalRoute {
  return { method: 'GET', path: '/ping', answer: () => ({ status: 200, text: 'pong' }) };
}

/**
 * Marathon's `GET /v2/leader` (jobs: `/v1/leader`), on every process: `{"leader":
 * "host:port"}` of the leader the lease names (this process when it leads); 404 with a
 * message while none is known.
 */
export function leaderRoute(path: string): LocalRoute {
  return {
    method: 'GET',
    path,
    answer: ({ leader, leading, self }) => {
      if (leading) return { status: 200, body: { leader: hostPortOf(self) } };
      if (!leader || leader.id === self.id) return { status: 404, body: { message: 'There is no leader: an election is under way' } };
      return { status: 200, body: { leader: hostPortOf(leader) } };
    },
  };
}
