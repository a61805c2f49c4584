/**
 * The HTTP side of the server as a Hono app. Built from its dependencies with no I/O at import
 * time, so route tests call `app.request()` directly.
 */
import { Hono } from 'hono'
import type { Logger } from '../logger.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { DocumentStore } from '../storage/document-store.js'
import { handleHttpError } from './error-handler.js'
import { healthRoute } from './health-route.js'
import { roomsRoute } from './rooms-route.js'
import { webAppRoutes } from './web-app-routes.js'

/** What {@link createApp} composes. */
export interface AppDeps {
  registry: RoomRegistry
  store: DocumentStore
  logger: Logger
  /** When the server started, for `uptimeS`. */
  startedAt: number
  /** Directory of the built web app. */
  webDir: string
}

/**
 * Build the Hono app: API routes, then the web app.
 * @example
 * const app = createApp({ registry, store, logger, startedAt: Date.now(), webDir })
 * const response = await app.request('/api/health')
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono()
  app.route('/api/health', healthRoute(deps))
  app.route('/api/rooms', roomsRoute(deps))
  app.all('/api/*', (c) => c.json({ error: { code: 'not_found', message: `no API route ${c.req.method} ${c.req.path}` } }, 404))
  app.all('/collab/*', (c) =>
    c.json({ error: { code: 'upgrade_required', message: 'this endpoint speaks WebSocket (y-websocket protocol)' } }, 426),
  )
  app.route('/', webAppRoutes(deps.webDir))
  app.onError(handleHttpError(deps.logger))
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `nothing at ${c.req.path}` } }, 404))
  return app
}
