/**
 * `GET /api/rooms/{room}/export`: download a document as Markdown, HTML, plain text or ProseMirror
 * JSON, with the exporters the admin console uses (comment threads become notes at the end). Needs
 * read access to the room; a room neither stored nor live is 404.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { EXPORT_FORMATS, roomNameSchema } from '@tandem/protocol'

import type { UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import { readCurrentDocument } from '../rooms/current-document.js'
import { embedImages } from '../rooms/embed-images.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { DocumentStore } from '../storage/document-store.js'
import type { ImageStore } from '../storage/image-store.js'
import { apiRouter, errors, USER_SECURITY } from './api-router.js'
import type { AppEnv } from './app-env.js'
import { identifyRequest } from './identify-request.js'
import { requireRoomAccess } from './room-access.js'

/** What the route needs. */
export interface ExportRouteDeps {
  store: DocumentStore
  registry: RoomRegistry
  guard: UpgradeGuard
  /** Images the HTML export embeds. */
  images: ImageStore
}

const exportRoute = (deps: ExportRouteDeps) =>
  createRoute({
    method: 'get',
    path: '/{room}/export',
    tags: ['Rooms'],
    summary: 'Download a document',
    description:
      'The document as it is now (what everyone connected sees), as an attachment named after the room. Comment threads are appended as notes; HTML carries the images inside it. Needs read access.',
    security: USER_SECURITY,
    middleware: [identifyRequest(deps.guard)] as const,
    request: {
      params: z.object({ room: roomNameSchema }),
      query: z.object({
        format: z
          .enum(EXPORT_FORMATS)
          .default('markdown')
          .meta({ description: '`json` is the ProseMirror document; the others read as they say' }),
      }),
    },
    responses: {
      200: {
        description: 'The document, as an attachment',
        content: {
          'text/markdown': { schema: z.string() },
          'text/html': { schema: z.string() },
          'text/plain': { schema: z.string() },
          'application/json': { schema: z.unknown() },
        },
      },
      ...errors(400, 401, 403, 404, 503),
    },
  })

/**
 * Exports being made at once, at most: each holds a document's export (and, for HTML, its images)
 * in memory while it is written, and anyone who may read may ask.
 */
const MAX_CONCURRENT_EXPORTS = 4

/** The route, mounted under `/api/rooms`. */
export function exportRoomRoute(deps: ExportRouteDeps): OpenAPIHono<AppEnv> {
  let running = 0
  return apiRouter().openapi(exportRoute(deps), async (c) => {
    const { room } = c.req.valid('param')
    const { format } = c.req.valid('query')
    await requireRoomAccess(deps.guard, c.var.identity, room, 'read')
    if (running >= MAX_CONCURRENT_EXPORTS)
      throw new HttpError(503, 'server_busy', 'the server is making other downloads; retry in a moment')
    running++
    try {
      // Loaded on first use: the document package (ProseMirror, markdown-it) stays out of start-up.
      const { exportDocument } = await import('../rooms/document-export.js')
      const exported = await readCurrentDocument(deps.registry, deps.store, room, (doc) => exportDocument(doc, format, room))
      if (!exported) throw new HttpError(404, 'not_found', `no room ${room}`)
      const body = format === 'html' ? await embedImages(exported.body, room, deps.images) : exported.body
      c.header('Content-Type', exported.contentType)
      c.header('Content-Disposition', `attachment; filename="${room}.${exported.extension}"`)
      return c.body(body, 200)
    } finally {
      running--
    }
  })
}
