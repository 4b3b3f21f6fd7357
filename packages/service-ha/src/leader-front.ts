import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Agent as HttpsAgent } from 'node:https';
import {
  componentLogger,
  corsAnswer,
  HttpAuth,
  httpScheme,
  httpsServerOptions,
  isMutating,
  type Logger,
  requestCertificatePrincipal,
  setRequestPrincipal,
  TandemError,
  type TlsFiles,
} from '@tandem/protocol';
import type { LeaderIdentity } from '@tandem/store';
import { DEFAULT_PROXY_TIMEOUT_MS, PROXIED_BY_HEADER, proxyRequest, sendJson } from './leader-proxy.js';

/** Who leads, as the front sees it at one request. */
export interface LeaderView {
  /** This process, as clients reach it. */
  readonly self: LeaderIdentity;
  /** The leader as known now: this process, another one, or none. */
  readonly leader: LeaderIdentity | undefined;
  /** Whether this process holds the lease now. */
  readonly leading: boolean;
}

/** What the front asks, at every request, about the election and the service it runs. */
export interface LeaderSource {
  leader(): LeaderIdentity | undefined;
  leading(): boolean;
  /** The leader's service's request handler, once it serves (this process leads). */
  handler(): RequestListener | undefined;
}

/** A reply made by the front itself. */
export interface LocalReply {
  status: number;
  /** JSON unless `text` is set. */
  body?: unknown;
  text?: string;
}

/**
 * An endpoint every process answers itself, leader or not (`/ping`, `/v2/leader`), or
 * only as a standby (`/v2/info`): `answer` returns undefined to let the leader's service
 * answer (it runs here: this process leads).
 */
export interface LocalRoute {
  readonly method: string;
  readonly path: string;
  /** `query`: the request's query string (`?embed=tandem` and the like), parsed. */
  answer(view: LeaderView, query: URLSearchParams): LocalReply | undefined | Promise<LocalReply | undefined>;
}

export interface LeaderFrontOptions {
  /** The host clients reach this process at (the front's port is added once it listens). */
  advertiseHost: string;
  routes: readonly LocalRoute[];
  /** What the proxy says in its messages (`apps`, `jobs`). */
  name: string;
  /** @default DEFAULT_PROXY_TIMEOUT_MS */
  proxyTimeoutMs?: number;
  /**
   * Credentials every request but `/ping` needs, checked by every process before it
   * answers or forwards (the leader's service checks them again). The Authorization
   * header is forwarded to the leader as sent. @default none: open
   */
  auth?: HttpAuth;
  /**
   * HTTPS only, with the process's TLS files: the API is served over TLS (client
   * certificates asked for, optional; one signed by the CA proves its `OU/CN`), and a
   * standby forwards to the leader's `https://` URL checking its certificate against the CA
   * and presenting its own, naming the principal it authenticated in
   * FORWARDED_PRINCIPAL_HEADER (the leader trusts it from its own service's certificate).
   * @default plaintext
   */
  tls?: TlsFiles;
  /** Origins allowed cross-origin requests: their preflights are answered here, before credentials are asked for. @default none: CORS off */
  corsOrigins?: readonly string[];
  logger?: Logger;
}

/** `host:port` of an identity's HTTP URL (what `/v2/leader` names). */
export function hostPortOf(identity: LeaderIdentity): string {
  return identity.http ? new URL(identity.http).host : identity.id;
}

/**
 * The REST port of a service that runs in high availability (apps, jobs), as Marathon
 * ran: every process serves it from the start. The leader's requests go to its running
 * service; a standby forwards each request to the leader (`proxyRequest`) and answers
 * only its local routes itself. While no leader is known, or when a request forwarded by
 * another process arrives at one that does not lead (`PROXIED_BY_HEADER`: no second
 * hop), the answer is 503 with a JSON message saying why.
 */
export class LeaderFront {
  private readonly server: Server;
  private readonly agent: Agent;
  private readonly log: Logger;
  private source: LeaderSource | undefined;
  private selfValue: LeaderIdentity | undefined;

  constructor(private readonly options: LeaderFrontOptions) {
    this.log = componentLogger(`${options.name}-front`, options.logger);
    const listener: RequestListener = (req, res) => {
      this.dispatch(req, res).catch((err: unknown) => {
        this.log.error({ err: TandemError.from(err).message, url: req.url }, 'request failed in the front');
        if (!res.headersSent) sendJson(res, 500, { message: TandemError.from(err).message });
        else res.destroy();
      });
    };
    const tls = options.tls;
    // An https.Server is an http.Server to everything the front does with it.
    this.server = tls ? (createHttpsServer(httpsServerOptions(tls), listener) as unknown as Server) : createServer(listener);
    this.agent = tls ? new HttpsAgent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key }) : new Agent({ keepAlive: true });
  }

  /** This process as clients reach it (after `listen`). */
  get self(): LeaderIdentity {
    if (!this.selfValue) throw new Error('the front has not listened yet');
    return this.selfValue;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : -1;
  }

  /** Listens; resolves with the port. From then on requests are answered: 503 until `attach`. */
  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const bound = this.port;
    const address = `${this.options.advertiseHost.includes(':') ? `[${this.options.advertiseHost}]` : this.options.advertiseHost}:${bound}`;
    this.selfValue = { id: `${address}/${randomUUID().slice(0, 8)}`, http: `${httpScheme(this.options.tls)}://${address}` };
    this.log.info({ port: bound, advertised: this.selfValue.http }, `${this.options.name} API listening`);
    return bound;
  }

  /** Where leadership and the running service come from. */
  attach(source: LeaderSource): void {
    this.source = source;
  }

  /** Stops listening and ends every connection, proxied event streams included. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    this.agent.destroy();
    await closed;
  }

  /** The view of who leads, as a request sees it now. */
  view(): LeaderView {
    const source = this.source;
    return { self: this.self, leader: source?.leader(), leading: source?.leading() ?? false };
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const cors = corsAnswer(this.options.corsOrigins, req.method ?? 'GET', req.headers);
    if (cors.preflight) {
      res.writeHead(204, cors.headers);
      res.end();
      return;
    }
    const auth = this.options.auth;
    let principal: string | undefined;
    if (auth?.enabled || this.options.tls) {
      const decision = (auth ?? OPEN).check(req.method ?? 'GET', req.url ?? '/', req.headers, requestCertificatePrincipal(req));
      if (!decision.ok) {
        this.log.warn({ method: req.method, url: req.url, status: decision.status }, 'HTTP request refused');
        return sendJson(res, decision.status, decision.body, decision.headers);
      }
      principal = decision.principal;
      setRequestPrincipal(req, principal);
      if (auth?.enabled && isMutating(req.method ?? 'GET')) this.log.info({ principal, method: req.method, url: req.url }, 'HTTP request');
    }
    const view = this.view();
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark < 0 ? url : url.slice(0, mark);
    const route = this.options.routes.find((r) => r.method === req.method && r.path === path);
    const local = route ? await route.answer(view, new URLSearchParams(mark < 0 ? '' : url.slice(mark + 1))) : undefined;
    if (local) return reply(res, local);
    if (view.leading) {
      const handler = this.source?.handler();
      if (handler) return handler(req, res);
      return unavailable(res, `this process was just elected to lead the ${this.options.name} framework and is starting it; try again`);
    }
    const via = req.headers[PROXIED_BY_HEADER];
    if (via !== undefined) {
      return unavailable(
        res,
        `${String(via)} forwarded this request here as to the leader, but this process does not lead the ${this.options.name} framework${leaderNote(view)}; it is not forwarded again`,
      );
    }
    const leader = view.leader;
    if (!leader?.http || leader.id === view.self.id) {
      return unavailable(res, `no leader of the ${this.options.name} framework is known yet (an election is under way); try again`);
    }
    await proxyRequest(req, res, {
      target: leader.http,
      via: view.self.id,
      principal,
      agent: this.agent,
      timeoutMs: this.options.proxyTimeoutMs ?? DEFAULT_PROXY_TIMEOUT_MS,
    });
  }
}

const OPEN = new HttpAuth();

function leaderNote(view: LeaderView): string {
  return view.leader && view.leader.id !== view.self.id ? ` (it knows ${hostPortOf(view.leader)} as the leader)` : ' (it knows no leader)';
}

function unavailable(res: ServerResponse, message: string): void {
  sendJson(res, 503, { message }, { 'retry-after': '1' });
}

function reply(res: ServerResponse, local: LocalReply): void {
  if (local.text !== undefined) {
    res.writeHead(local.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(local.text) });
    res.end(local.text);
    return;
  }
  sendJson(res, local.status, local.body ?? {});
}
