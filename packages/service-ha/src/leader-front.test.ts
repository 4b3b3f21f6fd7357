import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { connect } from 'node:net';
import type { LeaderIdentity } from '@tandem/store';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderFront, type LeaderSource } from './leader-front.js';
import { LEADER_HEADER, PROXIED_BY_HEADER } from './leader-proxy.js';
import { leaderRoute, pingRoute } from './local-routes.js';

// The HA front of apps and jobs on real HTTP servers (port 0): what a standby forwards to
// the leader and how, the loop guard, and what it answers itself. The election is a plain
// object here (the front only reads it); test/apps-ha.test.ts runs the real one.

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A stand-in leader: records each request; `answer` replies. */
async function upstream(answer: RequestListener = (_req, res) => res.end('ok')): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      answer(req, res);
    });
  });
  const port = await listen(server);
  closers.push(() => close(server));
  return { url: `http://127.0.0.1:${port}`, seen };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A front on port 0 whose election says what `state` holds at each request. */
async function front(state: { leader?: LeaderIdentity; leading?: boolean; handler?: RequestListener }): Promise<{ url: string; self: LeaderIdentity }> {
  const f = new LeaderFront({ name: 'apps', advertiseHost: '127.0.0.1', routes: [pingRoute(), leaderRoute('/v2/leader')] });
  const source: LeaderSource = {
    leader: () => (state.leading ? f.self : state.leader),
    leading: () => state.leading ?? false,
    handler: () => state.handler,
  };
  const port = await f.listen('127.0.0.1', 0);
  f.attach(source);
  closers.push(() => f.close());
  return { url: `http://127.0.0.1:${port}`, self: f.self };
}

const leaderAt = (url: string): LeaderIdentity => ({ id: `${new URL(url).host}/leader`, http: url });

describe('LeaderFront', () => {
  it('proxy - a standby forwards method, path, query, end-to-end headers and body, and returns status, headers and body as the leader gave them', async () => {
    const leader = await upstream((_req, res) => {
      res.writeHead(201, 'Made', { 'x-app': 'yes', 'marathon-deployment-id': 'd-1', 'content-type': 'application/json', 'keep-alive': 'timeout=5' });
      res.end('{"id":"/web"}');
    });
    const standby = await front({ leader: leaderAt(leader.url) });
    const res = await fetch(`${standby.url}/v2/apps?force=true&x=%2F`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t', 'x-custom': 'c', 'x-forwarded-for': '10.0.0.9' },
      body: '{"id":"/web","instances":3}',
    });
    expect(res.status).toBe(201);
    expect(res.statusText).toBe('Made');
    expect(await res.text()).toBe('{"id":"/web"}');
    expect(res.headers.get('x-app')).toBe('yes');
    expect(res.headers.get('marathon-deployment-id')).toBe('d-1');
    expect(res.headers.get(LEADER_HEADER)).toBe(leader.url);
    const [got] = leader.seen;
    expect(got).toMatchObject({ method: 'POST', url: '/v2/apps?force=true&x=%2F', body: '{"id":"/web","instances":3}' });
    expect(got?.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: 'Bearer t',
      'x-custom': 'c',
      host: new URL(leader.url).host,
      'x-forwarded-host': new URL(standby.url).host,
      'x-forwarded-for': '10.0.0.9, 127.0.0.1',
      'x-forwarded-proto': 'http',
      [PROXIED_BY_HEADER]: standby.self.id,
    });
  });

  it('proxy - hop-by-hop headers, and those Connection names, are not forwarded either way', async () => {
    const leader = await upstream((_req, res) => {
      res.writeHead(200, { 'x-drop-me': '1', connection: 'x-drop-me', 'x-keep': '2' });
      res.end('fine');
    });
    const standby = await front({ leader: leaderAt(leader.url) });
    // Raw HTTP, so that the client's own library adds nothing and removes nothing.
    const raw = await rawRequest(
      standby.url,
      'GET /v2/apps HTTP/1.1\r\nHost: x\r\nConnection: close, x-secret\r\nx-secret: s\r\nTE: trailers\r\nProxy-Authorization: p\r\nUpgrade: h2c\r\nx-fine: f\r\n\r\n',
    );
    expect(raw).toMatch(/^HTTP\/1\.1 200/);
    expect(raw).toMatch(/^x-keep: 2$/im);
    expect(raw).not.toMatch(/^x-drop-me:/im);
    const headers = leader.seen[0]?.headers ?? {};
    expect(headers['x-fine']).toBe('f');
    for (const h of ['x-secret', 'te', 'proxy-authorization', 'upgrade']) expect(headers[h], h).toBeUndefined();
  });

  it('proxy - a path is forwarded as a path of the leader, never as another host', async () => {
    const leader = await upstream();
    const standby = await front({ leader: leaderAt(leader.url) });
    const raw = await rawRequest(standby.url, 'GET //evil.example/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 200/);
    expect(leader.seen[0]?.url).toBe('//evil.example/x');
  });

  it('proxy - an event stream is streamed through as the leader writes it', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const leader = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: one\ndata: 1\n\n');
      void held.then(() => res.end('event: two\ndata: 2\n\n'));
    });
    const standby = await front({ leader: leaderAt(leader.url) });
    const res = await fetch(`${standby.url}/v2/events`);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    // The first event arrives while the leader still holds the stream open.
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe('event: one\ndata: 1\n\n');
    release();
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe('event: two\ndata: 2\n\n');
  });

  it('loop guard - a request another process forwarded, reaching a process that does not lead, is 503 and goes no further', async () => {
    const leader = await upstream();
    const standby = await front({ leader: leaderAt(leader.url) });
    const res = await fetch(`${standby.url}/v2/apps`, { headers: { [PROXIED_BY_HEADER]: 'other:8080/abc' } });
    expect(res.status).toBe(503);
    expect(await message(res)).toMatch(/other:8080\/abc forwarded this request here.*does not lead.*not forwarded again/);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(leader.seen).toHaveLength(0);
  });

  it('loop guard - the leader serves a forwarded request (one hop is allowed)', async () => {
    const leader = await front({ leading: true, handler: (_req, res) => res.end('served') });
    const res = await fetch(`${leader.url}/v2/apps`, { headers: { [PROXIED_BY_HEADER]: 'other:8080/abc' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('served');
  });

  it('no leader - 503 naming the election, also when the lease still names this process though it no longer leads', async () => {
    const none = await front({});
    const res = await fetch(`${none.url}/v2/apps`);
    expect(res.status).toBe(503);
    expect(await message(res)).toMatch(/no leader of the apps framework is known/);
    const state: { leader?: LeaderIdentity } = {};
    const stale = await front(state);
    state.leader = stale.self;
    expect((await fetch(`${stale.url}/v2/apps`)).status).toBe(503);
  });

  it('leader unreachable - 502 naming it', async () => {
    const gone = await upstream();
    await closers.pop()?.();
    const standby = await front({ leader: leaderAt(gone.url) });
    const res = await fetch(`${standby.url}/v2/apps`);
    expect(res.status).toBe(502);
    expect(await message(res)).toContain(`the leader ${gone.url} could not be reached`);
  });

  it('leader - its service answers once it serves; 503 while it is starting', async () => {
    const state: { leading: boolean; handler?: RequestListener } = { leading: true };
    const leader = await front(state);
    const starting = await fetch(`${leader.url}/v2/apps`);
    expect(starting.status).toBe(503);
    expect(await message(starting)).toMatch(/just elected .* starting it/);
    state.handler = (req, res) => res.end(`served ${req.method} ${req.url}`);
    expect(await (await fetch(`${leader.url}/v2/apps?x=1`)).text()).toBe('served GET /v2/apps?x=1');
  });

  it('local routes - /ping and /v2/leader are answered by every process; /v2/leader is 404 without a leader', async () => {
    const leader = await upstream();
    const standby = await front({ leader: leaderAt(leader.url) });
    expect(await (await fetch(`${standby.url}/ping`)).text()).toBe('pong');
    expect(await (await fetch(`${standby.url}/v2/leader`)).json()).toEqual({ leader: new URL(leader.url).host });
    const self = await front({ leading: true, handler: (_req, res) => res.end('framework') });
    expect(await (await fetch(`${self.url}/v2/leader`)).json()).toEqual({ leader: new URL(self.url).host });
    const none = await front({});
    const missing = await fetch(`${none.url}/v2/leader`);
    expect(missing.status).toBe(404);
    expect(await message(missing)).toMatch(/no leader/);
    expect(leader.seen).toHaveLength(0);
  });
});

/** The `message` of a JSON error reply. */
async function message(res: Response): Promise<string> {
  return ((await res.json()) as { message: string }).message;
}

/** Sends `text` as is on a new connection and returns all the server sent before closing. */
function rawRequest(base: string, text: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname, () => sock.write(text));
    let out = '';
    sock.on('data', (d: Buffer) => {
      out += d.toString();
    });
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
}
