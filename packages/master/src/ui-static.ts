import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The web UI's Content-Security-Policy: its own scripts, styles and connections only (no
 * inline script, nothing from elsewhere; the UI works with no network beyond the master).
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

interface UiFile {
  body: Buffer;
  type: string;
  /** Under `assets/`: named by their content's hash, so cached for good. */
  immutable: boolean;
}

/** Every file of the built UI, read once at start (a few hundred KiB): `/path` to its bytes. */
function loadUi(dir: string): Map<string, UiFile> {
  const files = new Map<string, UiFile>();
  if (!existsSync(join(dir, 'index.html'))) return files;
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const rel = `/${relative(dir, path).split(sep).join('/')}`;
        files.set(rel, { body: readFileSync(path), type: TYPES[extname(name)] ?? 'application/octet-stream', immutable: rel.startsWith('/assets/') });
      }
    }
  };
  walk(dir);
  return files;
}

/**
 * Serves the built web UI (`@tandem/ui`'s `UI_DIR`) at `/`: `index.html` never cached
 * (it names the current hashed bundles), `assets/*` cached for a year, every answer with
 * the UI's CSP, `nosniff` and no referrer. The UI routes by `#/...`, so no other path is
 * the UI's. Without a built UI, `/` says how to build it (503).
 */
export function uiStaticRoutes(app: FastifyInstance, dir: string): void {
  const files = loadUi(dir);
  const send = (path: string, reply: FastifyReply): FastifyReply => {
    const file = files.get(path);
    if (!file) return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
    return reply
      .header('content-type', file.type)
      .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('content-security-policy', UI_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .send(file.body);
  };
  app.get('/', async (_req, reply) => {
    if (files.size === 0)
      return reply.code(503).type('text/plain; charset=utf-8').send('The web UI is not built here: run `npm run build` (it bundles packages/ui).\n');
    return send('/index.html', reply);
  });
  app.get('/index.html', async (_req, reply) => send('/index.html', reply));
  app.get<{ Params: { '*': string } }>('/assets/*', async (req, reply) => send(`/assets/${req.params['*']}`, reply));
  for (const path of files.keys()) {
    if (path === '/index.html' || path.startsWith('/assets/')) continue;
    app.get(path, async (_req, reply) => send(path, reply));
  }
}
