// Builds the admin panel (index.html) and the browser join page (join.html) into the web root
// lectern-server serves (build/web by default; CMake passes --outDir). Hashed file names under
// assets/ let the server cache them for a year; nothing is inlined as a script, so the pages
// work under the server's Content-Security-Policy (script-src 'self', style-src 'self').
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

// Development only: /join/ROOM is join.html, as lectern-server routes it.
const join_route = {
  name: 'lectern-join-route',
  configureServer(server) {
    server.middlewares.use((req, _res, next) => {
      if (req.url.startsWith('/join/')) req.url = '/join.html';
      next();
    });
  },
};

export default defineConfig({
  root: here,
  plugins: [join_route],
  base: '/',
  publicDir: resolve(here, 'public'),
  build: {
    outDir: resolve(here, '../build/web'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Small images would become data: URIs; keep every asset a file (no surprises with CSP).
    assetsInlineLimit: 0,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      input: {
        index: resolve(here, 'index.html'),
        join: resolve(here, 'join.html'),
      },
    },
  },
  server: {
    // Development: `npm run dev` serves the sources and forwards the API, live playback and
    // /join/ to a running lectern-server (LECTERN_DEV_SERVER, default http://127.0.0.1:8080).
    proxy: Object.fromEntries(
      ['/api', '/live', '/healthz', '/metrics'].map((p) => [
        p,
        { target: process.env.LECTERN_DEV_SERVER ?? 'http://127.0.0.1:8080', ws: true, changeOrigin: false },
      ]),
    ),
  },
});
