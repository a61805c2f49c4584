/**
 * Serves the built web app: files from `webDir`, and `index.html` for every other page path so that
 * client-side routes such as `/d/<room>` load the app.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'

/** Routes for the single-page web app found in `webDir`. */
export function webAppRoutes(webDir: string): Hono {
  const app = new Hono()
  const indexFile = join(webDir, 'index.html')
  app.use('/*', async (c, next) => {
    if (!existsSync(indexFile)) {
      return c.text(`The web app is not built (no ${indexFile}). Run "npm run build" or "npm start".`, 503)
    }
    return next()
  })
  app.use('/assets/*', async (c, next) => {
    await next()
    // Vite puts a content hash in every asset name, so they never change.
    if (c.res.status === 200) c.header('Cache-Control', 'public, max-age=31536000, immutable')
  })
  app.use('/*', serveStatic({ root: webDir }))
  const serveIndex = serveStatic({ root: webDir, path: 'index.html' })
  app.get('/*', async (c, next) => {
    // A missing file (`/assets/old.js`) is a 404, not the app's HTML.
    const lastSegment = c.req.path.split('/').at(-1) ?? ''
    return lastSegment.includes('.') ? next() : serveIndex(c, next)
  })
  return app
}
