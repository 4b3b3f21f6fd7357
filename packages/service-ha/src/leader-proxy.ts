import { type Agent, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, request, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { pipeline } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { FORWARDED_PRINCIPAL_HEADER } from '@tandem/protocol';

/**
 * The header a standby puts on every request it forwards to the leader (its own id). A
 * process that receives such a request while it does not lead answers 503 instead of
 * forwarding it again, so two processes that each think the other leads cannot bounce a
 * request between them (Marathon's `X-Marathon-Via`).
 */
export const PROXIED_BY_HEADER = 'x-tandem-proxied-by';
/** On a proxied response: the leader that answered (`http://host:port`). */
export const LEADER_HEADER = 'x-tandem-leader';
/** How long the leader may take to send its response headers before the standby answers 504. */
export const DEFAULT_PROXY_TIMEOUT_MS = 60_000;

/** Headers about one connection rather than the message (RFC 9110 §7.6.1): never forwarded, either way. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The headers of a message without the hop-by-hop ones (and those its Connection header names). */
export function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * What a standby sends the leader: the client's headers, end to end, with the request's
 * path; `host` becomes the leader's (the client's is kept in `x-forwarded-host`), the
 * client's address is appended to `x-forwarded-for`, and `PROXIED_BY_HEADER` names this
 * process. FORWARDED_PRINCIPAL_HEADER is never taken from the client: it names `principal`,
 * the one this process authenticated, or is left out.
 */
export function forwardedRequestHeaders(req: IncomingMessage, via: string, principal?: string): OutgoingHttpHeaders {
  const headers = endToEndHeaders(req.headers);
  delete headers[FORWARDED_PRINCIPAL_HEADER];
  if (principal !== undefined) headers[FORWARDED_PRINCIPAL_HEADER] = principal;
  const host = headers.host;
  delete headers.host;
  if (host !== undefined && headers['x-forwarded-host'] === undefined) headers['x-forwarded-host'] = host;
  const client = req.socket.remoteAddress;
  if (client) {
    const prior = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = prior ? `${String(prior)}, ${client}` : client;
  }
  headers['x-forwarded-proto'] ??= req.socket instanceof TLSSocket ? 'https' : 'http';
  headers[PROXIED_BY_HEADER] = via;
  return headers;
}

export interface ProxyOptions {
  /** The leader's base URL (`http://host:port`, or `https://` with an `https.Agent` holding the CA); the request's path and query are kept. */
  target: string;
  /** This process' id, sent in `PROXIED_BY_HEADER`. */
  via: string;
  /** The principal this process authenticated the request as (FORWARDED_PRINCIPAL_HEADER). */
  principal?: string | undefined;
  /** Connections to the leader, kept alive between requests. */
  agent?: Agent;
  /** @default DEFAULT_PROXY_TIMEOUT_MS */
  timeoutMs?: number;
}

/**
 * Forwards one request to the leader and its response back as the leader gave it
 * (status, end-to-end headers, body streamed as it comes, so `/v2/events` streams
 * through). A leader that cannot be reached is 502, one that sends no headers within
 * `timeoutMs` is 504, both with a JSON `message` naming it. A client that goes away
 * aborts the forwarded request. Resolves once the exchange is over, however it ended.
 */
export function proxyRequest(req: IncomingMessage, res: ServerResponse, options: ProxyOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    const target = new URL(options.target);
    const path = req.url ?? '/';
    if (!path.startsWith('/')) {
      sendJson(res, 400, { message: `cannot forward a request for '${path.slice(0, 100)}': not a path` });
      resolve();
      return;
    }
    const secure = target.protocol === 'https:';
    const send = secure ? httpsRequest : request;
    const upstream = send({
      // No SNI for an address (RFC 6066); the certificate is still checked against it.
      ...(secure && isIP(target.hostname.replace(/^\[|\]$/g, '')) ? { servername: '' } : {}),
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      // The path as the client sent it: never resolved against the target, so it cannot name another host.
      path,
      headers: forwardedRequestHeaders(req, options.via, options.principal),
      ...(options.agent ? { agent: options.agent } : {}),
    });
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve();
    };
    const fail = (status: number, message: string): void => {
      if (!res.headersSent) sendJson(res, status, { message });
      else res.destroy();
      finish();
    };
    const timeoutMs = options.timeoutMs ?? DEFAULT_PROXY_TIMEOUT_MS;
    const timer = setTimeout(() => {
      upstream.destroy();
      fail(504, `the leader ${options.target} sent no answer within ${timeoutMs} ms`);
    }, timeoutMs);
    timer.unref();

    upstream.on('error', (err) => fail(502, `the leader ${options.target} could not be reached: ${err.message}`));
    upstream.on('response', (answer) => {
      clearTimeout(timer);
      const headers = endToEndHeaders(answer.headers);
      headers[LEADER_HEADER] = options.target;
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
      // An event stream's first bytes may be all the client sees for a while: send the headers now.
      res.flushHeaders();
      pipeline(answer, res, () => finish());
    });
    // The client went away (or the answer ended): nothing more to forward.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
      finish();
    });
    // pipe, not pipeline: a failed forward must not destroy the client's request, whose socket carries the 502.
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  });
}

/** A JSON reply with `content-length`, closing nothing. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
