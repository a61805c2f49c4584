/**
 * Builds the web app into `dist/`, which the server serves. `npm run dev` in this workspace runs
 * Vite's dev server and forwards the API and collab sockets to a server on port 8787.
 */
import { defineConfig } from 'vite'

const server = 'http://127.0.0.1:8787'

export default defineConfig({
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
