import { defineConfig } from 'vite';

// The web UI, bundled into dist/web (served by the master at `/`). Preact's JSX through
// vite's own transform; no plugin, no network at run time (every file is in the bundle).
export default defineConfig({
  root: 'app',
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
});
