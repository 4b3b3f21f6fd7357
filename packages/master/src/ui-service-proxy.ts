import type { FastifyInstance } from 'fastify';
import type { UiLinks } from './ui-links.js';

const PROXY_TIMEOUT_MS = 15_000;
/** Request headers passed on to the service (the caller's credentials included: the service checks its own). */
const PASSED = ['accept', 'content-type', 'authorization'] as const;

/**
 * `/api/v1/ui/apps/*` and `/api/v1/ui/jobs/*`: the web UI reaches the apps (Marathon) and
 * jobs (Metronome) APIs through the master, so that it stays on one origin (its CSP
 * allows no other) and needs no CORS on those services. Only paths under the configured
 * URL are reached; 404 naming the flag while none is configured.
 */
export function serviceProxyRoutes(app: FastifyInstance, links: UiLinks): void {
  const services = [
    ['apps', () => links.appsUrl, '--apps-url'],
    ['jobs', () => links.jobsUrl, '--jobs-url'],
  ] as const;
  for (const [name, urlOf, flag] of services) {
    app.all<{ Params: { '*': string } }>(`/api/v1/ui/${name}/*`, async (req, reply) => {
      const base = urlOf();
      if (!base) return reply.code(404).send({ message: `no ${name} API is configured for the UI (tandem master ${flag})`, field: flag });
      const root = new URL(base);
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const target = new URL(`${root.href.replace(/\/$/, '')}/${req.params['*'].replace(/^\/+/, '')}${query}`);
      if (target.origin !== root.origin) return reply.code(400).send({ message: 'the path leaves the service', field: 'path' });
      const headers: Record<string, string> = {};
      for (const h of PASSED) {
        const v = req.headers[h];
        if (typeof v === 'string') headers[h] = v;
      }
      const hasBody = req.body !== undefined && req.body !== null && req.method !== 'GET' && req.method !== 'HEAD';
      try {
        const res = await fetch(target, {
          method: req.method,
          headers,
          ...(hasBody ? { body: typeof req.body === 'string' ? req.body : JSON.stringify(req.body) } : {}),
          redirect: 'manual',
          signal: AbortSignal.timeout(PROXY_TIMEOUT_MS),
        });
        return reply
          .code(res.status)
          .header('content-type', res.headers.get('content-type') ?? 'application/json')
          .send(Buffer.from(await res.arrayBuffer()));
      } catch (err) {
        return reply.code(502).send({ message: `the ${name} API at ${root.origin} did not answer: ${(err as Error).message}` });
      }
    });
  }
}
