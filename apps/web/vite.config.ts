/**
 * Builds the web app into `dist/`, which the server serves. `npm run dev` in this workspace runs
 * Vite's dev server and forwards the API and collab sockets to a server on port 8787.
 */
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

const server = 'http://127.0.0.1:8787'

export default defineConfig({
  plugins: [
    // The app shell (HTML, scripts, styles) is precached by a Workbox service worker, so `/` and
    // `/d/<name>` open without a network; documents come from this browser's IndexedDB copies.
    VitePWA({
      injectRegister: null,
      registerType: 'autoUpdate',
      manifest: false,
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,ico,woff2}'],
        // Every page is the app: an address the cache has never seen opens from `index.html`.
        navigateFallback: '/index.html',
        // The API, the sockets and the API reference are the server's, never the cache's.
        navigateFallbackDenylist: [/^\/api\//, /^\/collab\//],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    proxy: {
      '/api': server,
      '/collab': { target: server, ws: true },
    },
  },
})
