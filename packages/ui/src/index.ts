import { fileURLToPath } from 'node:url';

/**
 * The directory of the built web UI (`npm run build` bundles `app/` into it with vite):
 * `index.html` and the hashed files under `assets/`. The master serves it at `/`.
 */
export const UI_DIR: string = fileURLToPath(new URL('./web/', import.meta.url));
