import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { basicAuthorization, HttpAuth } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderFront } from './leader-front.js';
import { leaderRoute, pingRoute } from './local-routes.js';

// A standby's front with credentials, on real HTTP servers: it checks them itself before
// answering or forwarding, and forwards the Authorization header to the leader as sent.

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('LeaderFront auth', () => {
  it('auth - a standby refuses bad credentials with 401 without forwarding, and forwards good ones with the Authorization header', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const leader = createServer((req, res) => {
      seen.push(req.headers);
      res.end('from leader');
    });
    await new Promise<void>((resolve) => leader.listen(0, '127.0.0.1', () => resolve()));
    closers.push(() => closeServer(leader));
    const leaderUrl = `http://127.0.0.1:${(leader.address() as { port: number }).port}`;

    const auth = new HttpAuth({ basic: [{ user: 'alice', password: 'pw' }] });
    const front = new LeaderFront({ name: 'apps', advertiseHost: '127.0.0.1', routes: [pingRoute(), leaderRoute('/v2/leader')], auth });
    const port = await front.listen('127.0.0.1', 0);
    front.attach({ leader: () => ({ id: 'leader', http: leaderUrl }), leading: () => false, handler: () => undefined });
    closers.push(() => front.close());
    const base = `http://127.0.0.1:${port}`;

    const none = await fetch(`${base}/v2/apps`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="tandem"');
    expect(((await none.json()) as { message: string }).message).toMatch(/authentication required/);
    expect((await fetch(`${base}/v2/leader`, { headers: { authorization: basicAuthorization('alice:nope') } })).status).toBe(401);
    expect(seen).toHaveLength(0);
    expect((await fetch(`${base}/ping`)).status).toBe(200);

    const good = basicAuthorization('alice:pw');
    const ok = await fetch(`${base}/v2/apps`, { headers: { authorization: good } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('from leader');
    expect(seen.map((h) => h.authorization)).toEqual([good]);
  });
});
