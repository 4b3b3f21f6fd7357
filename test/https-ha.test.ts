import { startAppsHaService } from '@tandem/apps';
import type { Master } from '@tandem/master';
import { basicAuthorization, FORWARDED_PRINCIPAL_HEADER, HttpAuth, parseAcls, pemPrincipal, requestPrincipal } from '@tandem/protocol';
import { LeaderFront, pingRoute } from '@tandem/service-ha';
import { NatsKvStore } from '@tandem/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, startMaster, track, waitFor } from './support/cluster.js';
import { NatsServer } from './support/nats.js';
import { makePki, type Pki, request } from './support/pki.js';

// HTTPS in high availability: a TLS master standing by sends HTTP clients to the leader's
// https:// URL; the HA front of apps and jobs serves HTTPS and forwards to its leader over
// HTTPS, naming the principal it authenticated (never one a client sent). Real nats-server,
// real masters, real HTTPS servers.

let nats: NatsServer;
let pki: Pki;
beforeAll(async () => {
  nats = await NatsServer.start();
  pki = await makePki();
});
afterAll(async () => {
  await nats?.dispose();
  await cleanup();
});
afterEach(cleanup);

describe('https in HA', () => {
  it('https-ha - a TLS standby master answers 307 to the leader at https://, where a client with the CA is answered', async () => {
    const tls = await pki.tls('master', 'm1');
    const masters: Master[] = [];
    for (let i = 0; i < 2; i++) {
      const store = await NatsKvStore.open({ servers: nats.url, bucket: 'https-ha-masters', timeoutMs: 2_000, reconnectWaitMs: 100 });
      masters.push(await startMaster({ tls, ha: { store, advertiseHost: '127.0.0.1', leaseTtlMs: 1_500 } }));
    }
    const leader = await waitFor(() => masters.find((m) => m.mayAct()), 'a leading master', 10_000);
    const standby = masters.find((m) => m !== leader)!;
    await waitFor(() => standby.leaderInfo().leader?.id === leader.masterId, 'the standby knows the leader', 10_000);
    expect(leader.leaderInfo().leader?.http).toBe(`https://127.0.0.1:${leader.httpPort}`);

    const redirect = await request(`https://127.0.0.1:${standby.httpPort}`, 'GET', '/api/v1/state?x=1', { tls: { ca: pki.ca } });
    expect(redirect.status).toBe(307);
    const location = String(redirect.headers.location);
    expect(location).toBe(`https://127.0.0.1:${leader.httpPort}/api/v1/state?x=1`);
    const followed = await request(new URL(location).origin, 'GET', '/api/v1/state?x=1', { tls: { ca: pki.ca } });
    expect(followed.status).toBe(200);
  });

  it('https-ha - a standby front serves HTTPS and forwards to the leader over HTTPS with the principal it authenticated, never one a client sent', async () => {
    const fwTls = await pki.tls('framework', 'apps');
    const self = pemPrincipal(fwTls.cert)!;
    expect(self).toBe('framework/apps');
    // As startHaService wires it: the service's own principal is trusted to name the caller.
    const auth = new HttpAuth({ basic: [{ user: 'alice', password: 'pw' }] }).with({ trustedProxies: [self] });
    const seen: { principal: string | undefined; header: unknown }[] = [];
    const leaderFront = new LeaderFront({ name: 'apps', advertiseHost: '127.0.0.1', routes: [pingRoute()], auth, tls: fwTls });
    await leaderFront.listen('127.0.0.1', 0);
    track(() => leaderFront.close());
    leaderFront.attach({
      leader: () => leaderFront.self,
      leading: () => true,
      handler: () => (req, res) => {
        seen.push({ principal: requestPrincipal(req), header: req.headers[FORWARDED_PRINCIPAL_HEADER] });
        res.end('from leader');
      },
    });
    expect(leaderFront.self.http).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const standby = new LeaderFront({ name: 'apps', advertiseHost: '127.0.0.1', routes: [pingRoute()], auth, tls: fwTls, corsOrigins: ['https://ui.example'] });
    await standby.listen('127.0.0.1', 0);
    track(() => standby.close());
    standby.attach({ leader: () => leaderFront.self, leading: () => false, handler: () => undefined });
    const base = standby.self.http!;
    const ca = { ca: pki.ca };

    // Basic credentials through the standby: the leader sees alice.
    expect((await request(base, 'GET', '/v2/apps', { tls: ca, authorization: basicAuthorization('alice:pw') })).body).toBe('from leader');
    // A client certificate through the standby: the leader sees the client's principal, not the standby's.
    const operator = await pki.tls('operator', 'bob');
    expect((await request(base, 'GET', '/v2/apps', { tls: operator })).status).toBe(200);
    // A client naming a principal itself gets nothing from it: 401 at the standby, and a header it
    // sends with good credentials is replaced by the principal they prove.
    expect((await request(base, 'GET', '/v2/apps', { tls: ca, headers: { [FORWARDED_PRINCIPAL_HEADER]: 'operator/root' } })).status).toBe(401);
    await request(base, 'GET', '/v2/apps', {
      tls: ca,
      authorization: basicAuthorization('alice:pw'),
      headers: { [FORWARDED_PRINCIPAL_HEADER]: 'operator/root' },
    });
    // Sent straight to the leader by a client, the header is not trusted either (the client is not the service).
    const direct = await request(leaderFront.self.http!, 'GET', '/v2/apps', { tls: operator, headers: { [FORWARDED_PRINCIPAL_HEADER]: 'operator/root' } });
    expect(direct.status).toBe(200);
    expect(seen.map((s) => s.principal)).toEqual(['alice', 'operator/bob', 'alice', 'operator/bob']);
    expect(seen.map((s) => s.header)).toEqual(['alice', 'operator/bob', 'alice', 'operator/root']);

    // A browser's preflight is answered by the front itself, without credentials (CORS configured).
    const preflight = await request(base, 'OPTIONS', '/v2/apps', {
      tls: ca,
      headers: { origin: 'https://ui.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://ui.example');
    expect(seen).toHaveLength(4);
    // A plaintext client of the standby is dropped.
    await expect(request(base.replace('https:', 'http:'), 'GET', '/ping')).rejects.toThrow(/closed the connection/);
  });
});

describe('apps in HA over HTTPS with ACLs', () => {
  it('https-ha - two apps processes with TLS, credentials and ACLs: a standby forwards over HTTPS and the leader decides on the caller, by credentials or by certificate', async () => {
    const master = await startMaster({ tls: await pki.tls('master', 'm9') });
    const fwTls = await pki.tls('framework', 'apps');
    const acls = parseAcls(
      JSON.stringify({
        permissive: false,
        deploy_apps: [
          { principals: { values: ['alice'] }, groups: { values: ['/team-a'] } },
          { principals: { values: ['operator/carol'] }, groups: { values: ['/team-c'] } },
        ],
        view: [{ principals: { type: 'ANY' }, framework_principals: { type: 'ANY' } }],
      }),
      'ha acls',
    );
    const start = () =>
      startAppsHaService({
        master: master.address,
        host: '127.0.0.1',
        port: 0,
        tls: fwTls,
        httpAuth: new HttpAuth({ basic: [{ user: 'alice', password: 'pw' }] }),
        acls,
        store: { servers: [nats.url], bucket: 'https-ha-apps', replicas: 1 },
        advertiseHost: '127.0.0.1',
        leaseTtlMs: 2_000,
        tickMs: 100,
        reconnect: { initialMs: 100, maxMs: 500 },
      });
    const a = await start();
    track(() => a.stop());
    await waitFor(() => a.leading(), 'the first process to lead', 15_000);
    const b = await start();
    track(() => b.stop());
    expect(b.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await waitFor(() => b.leader() === new URL(a.url).host, 'the standby to know the leader', 10_000);

    const alice = { tls: { ca: pki.ca }, authorization: basicAuthorization('alice:pw') };
    // A standby's own /v2/info: HTTPS on its port, as the leader's.
    const standbyInfo = (await request(b.url, 'GET', '/v2/info', alice)).body;
    expect(standbyInfo).toMatchObject({ elected: false, http_config: { http_port: 0, https_port: b.port } });
    const app = (id: string) => ({ id, cmd: 'sleep 100', cpus: 0.1, mem: 16, instances: 0 });
    // Through the standby: the leader answers (x-tandem-leader) and decides on alice.
    const ok = await request(b.url, 'POST', '/v2/apps', { ...alice, body: app('/team-a/web') });
    expect(ok.status).toBe(201);
    expect(ok.headers['x-tandem-leader']).toBe(a.url);
    const denied = await request(b.url, 'POST', '/v2/apps', { ...alice, body: app('/team-b/web') });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/principal "alice" may not deploy_apps/);
    // By certificate through the standby: the leader sees operator/carol, not the standby's framework/apps.
    const carol = { tls: await pki.tls('operator', 'carol') };
    expect((await request(b.url, 'POST', '/v2/apps', { ...carol, body: app('/team-c/db') })).status).toBe(201);
    const carolDenied = await request(b.url, 'POST', '/v2/apps', { ...carol, body: app('/team-a/db') });
    expect(carolDenied.status).toBe(403);
    expect(carolDenied.body.message).toMatch(/principal "operator\/carol" may not deploy_apps/);
    // A client naming a principal itself is not believed (401: no credentials).
    expect(
      (await request(b.url, 'POST', '/v2/apps', { tls: { ca: pki.ca }, headers: { [FORWARDED_PRINCIPAL_HEADER]: 'alice' }, body: app('/team-a/x') })).status,
    ).toBe(401);
    const ids = (await request(a.url, 'GET', '/v2/apps', alice)).body.apps.map((x: { id: string }) => x.id);
    expect(ids).toEqual(['/team-a/web', '/team-c/db']);
  });
});
