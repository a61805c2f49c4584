/**
 * Serves the built web app: files from `webDir`, and `index.html` for every other page path so that
 * client-side routes such as `/d/<room>` load the app. Until the app is built it answers 503 with
 * the command that builds it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { serveStatic } from '@hono/node-server/serve-static'
import { Hono, type MiddlewareHandler } from 'hono'

/**
 * What the web app's pages may load: their own scripts, styles and connections only, images from
 * this server (and the blob and data URLs it makes of them). A document is written by whoever can
 * edit it; should an address from elsewhere ever reach the page, the browser does not fetch it.
 */
const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'self'",
].join('; ')

/** Routes for the single-page web app found in `webDir`. */
export function webAppRoutes(webDir: string): Hono {
  const app = new Hono()
  const indexFile = join(webDir, 'index.html')
  // Created on first use: serveStatic complains at construction when its root does not exist yet.
  let handlers: { files: MiddlewareHandler; index: MiddlewareHandler } | null = null

  app.use('/*', async (c, next) => {
    if (!handlers) {
      if (!existsSync(indexFile)) {
        return c.text(`The web app is not built (no ${indexFile}). Run "npm run build" or "npm start".`, 503)
      }
      handlers = { files: serveStatic({ root: webDir }), index: serveStatic({ root: webDir, path: 'index.html' }) }
    }
    return next()
  })
  app.use('/assets/*', async (c, next) => {
    await next()
    // Vite puts a content hash in every asset name, so they never change.
    if (c.res.status === 200) c.header('Cache-Control', 'public, max-age=31536000, immutable')
  })
  app.use('/*', async (c, next) => {
    await next()
    if (c.res.headers.get('content-type')?.startsWith('text/html')) c.header('Content-Security-Policy', WEB_APP_CSP)
  })
  const files: MiddlewareHandler = (c, next) => handlers!.files(c, next)
  app.use('/*', files)
  app.get('/*', async (c, next) => {
    // A missing file (`/assets/old.js`) is a 404, not the app's HTML.
    const lastSegment = c.req.path.split('/').at(-1) ?? ''
    return lastSegment.includes('.') ? next() : handlers!.index(c, next)
  })
  return app
}
