import { request } from 'node:http';
import fc from 'fast-check';
import { brief, prototypePolluted, type Tally } from './fuzz-support.js';

// One HTTP request exactly as written (node:http: no URL normalisation, so `..` and
// `%2e%2e` reach the server as sent), and `probe`: what every fuzzed REST input is held to.

export interface HttpReply {
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: replies are whatever JSON the API sent; checks read fields by assertion
  json: any;
}

/** A path segment as an attacker sends it: raw where node:http lets it through, else percent-encoded. */
export function segment(s: string, encode: boolean): string {
  if (encode) return encodeURIComponent(s);
  return [...s].map((c) => (/^[\x21-\x7e]$/.test(c) && c !== '?' && c !== '#' ? c : encodeURIComponent(c))).join('');
}

/** Sends `method path` with `body` as JSON text (none when undefined) to `base` (http://host:port). */
export function send(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}), ...headers },
        timeout: 30_000,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString();
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path.slice(0, 100)}: no answer in 30 s`)));
    // A server may answer (413) and close before a large body is all written: the answer counts, the write error after it does not.
    let answered = false;
    req.on('response', () => {
      answered = true;
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(data);
  });
}

export interface FuzzRequest {
  method: string;
  path: string;
  body?: string;
}

export interface Surface<R extends FuzzRequest> {
  name: string;
  base: string;
  /** The path that must still answer 200 after the run. @default '/ping' */
  health?: string;
  /** The requests to try. */
  requests: fc.Arbitrary<R>;
  /** Why this request must be refused (the oracle), or undefined when it may be accepted. */
  mustRefuse(req: R): string | undefined | Promise<string | undefined>;
  /** The state a refused request must leave as it was (compared as JSON). */
  state(): Promise<unknown>;
  /** Checks an accepted request's effect and undoes it. */
  accepted?(req: R, reply: HttpReply): Promise<void>;
  /** Extra checks on every reply (e.g. no file outside a sandbox in it). */
  check?(req: R, reply: HttpReply): string | undefined;
}

/** Why a refusal is not a clean one: 4xx with a JSON message, and a 422 naming fields. */
export function unclearRefusal(reply: HttpReply): string | undefined {
  const body = reply.json;
  if (!body || typeof body.message !== 'string' || body.message === '') return `a ${reply.status} without a JSON message: ${brief(reply.text, 200)}`;
  if (reply.status === 422) {
    const details = body.details;
    if (!Array.isArray(details) || details.length === 0 || details.some((d: { path?: unknown }) => typeof d.path !== 'string')) {
      return `a 422 without details naming fields: ${brief(reply.text, 200)}`;
    }
  }
  return undefined;
}

/**
 * Tries `runs` requests of a surface (fast-check, fixed seed) and holds each to the rules:
 * no 5xx, a 2xx only where the oracle allows it, every 4xx a JSON message (422: fields),
 * nothing changed by a refusal, no polluted prototype. A broken rule fails the property,
 * so fast-check shrinks it to a small input and prints it.
 */
export async function fuzzSurface<R extends FuzzRequest>(surface: Surface<R>, tally: Tally, runs: number, seed: number): Promise<void> {
  const count = tally.of(surface.name);
  await fc.assert(
    fc.asyncProperty(surface.requests, async (req) => {
      const before = JSON.stringify(await surface.state());
      const reply = await send(surface.base, req.method, req.path, req.body);
      count.tried++;
      const what = `${surface.name}: ${req.method} ${brief(req.path, 200)} ${req.body === undefined ? '' : brief(req.body)}`;
      if (reply.status >= 500 || reply.status < 200) {
        count.crashes++;
        tally.problem(`${what} -> ${reply.status} ${brief(reply.text, 200)}`);
        throw new Error(`${what} -> ${reply.status} ${brief(reply.text, 300)}`);
      }
      const polluted = prototypePolluted();
      if (polluted) throw new Error(`${what}: ${polluted}`);
      const extra = surface.check?.(req, reply);
      if (extra) throw new Error(`${what}: ${extra}`);
      if (reply.status < 300) {
        count.accepted++;
        const why = await surface.mustRefuse(req);
        if (why) {
          count.acceptedWrongly++;
          tally.problem(`${what} -> ${reply.status}, but ${why}`);
          await surface.accepted?.(req, reply);
          throw new Error(`${what} -> accepted (${reply.status}) but must be refused: ${why}`);
        }
        await surface.accepted?.(req, reply);
        return;
      }
      count.refused++;
      // 414/431: node's HTTP server refuses an over-long URL before any route runs (no JSON to give).
      const unclear = reply.status >= 400 && reply.status !== 414 && reply.status !== 431 ? unclearRefusal(reply) : undefined;
      if (unclear) throw new Error(`${what}: ${unclear}`);
      const after = JSON.stringify(await surface.state());
      if (after !== before) throw new Error(`${what} -> ${reply.status}, yet the state changed:\nbefore ${brief(before)}\nafter  ${brief(after)}`);
    }),
    { seed, numRuns: runs, endOnFailure: false, interruptAfterTimeLimit: 120_000 },
  );
  const ping = await send(surface.base, 'GET', surface.health ?? '/ping');
  if (ping.status !== 200) throw new Error(`${surface.name}: the server no longer answers (${ping.status})`);
}
