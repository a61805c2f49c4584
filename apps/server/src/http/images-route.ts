/**
 * `/api/rooms/{room}/images`: pictures in documents. `POST` stores the request body (PNG, JPEG,
 * GIF or WebP, told by its first bytes; SVG and everything else 415) for writers of a stored
 * document, within `MAX_IMAGE_BYTES` each and `MAX_DOCUMENT_IMAGES` / `MAX_DOCUMENT_IMAGE_BYTES` per
 * document (413); the same bytes again get the same id. `GET` serves one to readers, with its
 * sniffed type, `nosniff` and a long cache life (an id never changes its bytes).
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { roomNameSchema } from '@tandem/protocol'

import type { ConnectionLimits } from '../admission/connection-limits.js'
import type { UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import { imageTypeOf } from '../rooms/image-type.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { DocumentStore } from '../storage/document-store.js'
import type { ImageStore } from '../storage/image-store.js'
import { apiRouter, errors, json, USER_SECURITY } from './api-router.js'
import type { AppEnv } from './app-env.js'
import { httpErrorOf, identifyRequest } from './identify-request.js'
import { limitBody } from './limit-body.js'
import { requestAddress } from './request-address.js'
import { requireRoomAccess } from './room-access.js'

/** What the routes need. */
export interface ImagesRouteDeps {
  store: DocumentStore
  registry: RoomRegistry
  images: ImageStore
  guard: UpgradeGuard
  /** Uploads count against a per-address allowance. */
  limits: ConnectionLimits
  trustProxy: boolean
  config: { maxImageBytes: number; maxDocumentImages: number; maxDocumentImageBytes: number }
}

const imageParams = z.object({
  room: roomNameSchema,
  id: z
    .string()
    .regex(/^[\w-]{1,64}$/)
    .meta({ description: 'Image id' }),
})
const binary = { schema: z.string().meta({ format: 'binary' }) }
const uploadedSchema = z
  .object({
    id: z.string(),
    src: z.string().meta({ description: 'Where the image is served, relative to the server' }),
    contentType: z.string(),
    bytes: z.number().int(),
  })
  .meta({ id: 'UploadedImage' })

const routes = (deps: ImagesRouteDeps) => ({
  upload: createRoute({
    method: 'post',
    path: '/{room}/images',
    tags: ['Rooms'],
    summary: 'Upload an image into a document',
    description:
      'The body is the image itself: PNG, JPEG, GIF or WebP, told by its first bytes (SVG is refused). Insert it with the returned `src`. Needs write access.',
    security: USER_SECURITY,
    middleware: [
      limitBody(deps.config.maxImageBytes, () => {
        throw new HttpError(413, 'payload_too_large', `an image may be at most ${deps.config.maxImageBytes} bytes`)
      }),
      identifyRequest(deps.guard),
    ] as const,
    request: {
      params: z.object({ room: roomNameSchema }),
      body: { required: true, content: { 'image/png': binary, 'image/jpeg': binary, 'image/gif': binary, 'image/webp': binary } },
    },
    responses: { 201: json(uploadedSchema, 'Stored'), ...errors(400, 401, 403, 404, 413, 415, 429) },
  }),
  image: createRoute({
    method: 'get',
    path: '/{room}/images/{id}',
    tags: ['Rooms'],
    summary: 'An image of a document',
    description: 'Served with the type its bytes have. Needs read access.',
    security: USER_SECURITY,
    middleware: [identifyRequest(deps.guard)] as const,
    request: { params: imageParams },
    responses: {
      200: { description: 'The image', content: { 'image/png': binary, 'image/jpeg': binary, 'image/gif': binary, 'image/webp': binary } },
      ...errors(400, 401, 403, 404),
    },
  }),
})

/** The routes, mounted under `/api/rooms`. */
export function imagesRoute(deps: ImagesRouteDeps): OpenAPIHono<AppEnv> {
  const route = routes(deps)
  return apiRouter()
    .openapi(route.upload, async (c) => {
      const { room } = c.req.valid('param')
      await requireRoomAccess(deps.guard, c.var.identity, room, 'write')
      try {
        deps.limits.upload(requestAddress(c, deps.trustProxy))
      } catch (error) {
        throw httpErrorOf(error)
      }
      const data = new Uint8Array(await c.req.arrayBuffer())
      if (data.byteLength > deps.config.maxImageBytes) {
        throw new HttpError(413, 'payload_too_large', `an image may be at most ${deps.config.maxImageBytes} bytes`)
      }
      const contentType = imageTypeOf(data)
      if (!contentType)
        throw new HttpError(415, 'unsupported_image', 'only PNG, JPEG, GIF and WebP images can be added (SVG is not accepted)')
      const usage = await deps.images.usage(room)
      if (usage.count >= deps.config.maxDocumentImages || usage.bytes + data.byteLength > deps.config.maxDocumentImageBytes) {
        throw new HttpError(
          413,
          'too_many_images',
          `a document may hold at most ${deps.config.maxDocumentImages} images and ${deps.config.maxDocumentImageBytes} bytes of them`,
        )
      }
      // A document opened by its link is stored at its first edit: an image can be that edit.
      if (!(await deps.store.info(room))) {
        if (!deps.registry.get(room)) throw new HttpError(404, 'not_found', `no room ${room}`)
        const { newDocumentUpdate } = await import('../rooms/new-document.js')
        await deps.registry.create(room, newDocumentUpdate())
      }
      const id = await deps.images.put({ room, contentType, data, createdAt: Date.now() })
      if (!id) throw new HttpError(404, 'not_found', `no room ${room}`)
      return c.json({ id, src: `/api/rooms/${encodeURIComponent(room)}/images/${id}`, contentType, bytes: data.byteLength }, 201)
    })
    .openapi(route.image, async (c) => {
      const { room, id } = c.req.valid('param')
      await requireRoomAccess(deps.guard, c.var.identity, room, 'read')
      const image = await deps.images.get(room, id)
      if (!image) throw new HttpError(404, 'not_found', `document ${room} has no image ${id}`)
      c.header('Content-Type', image.contentType)
      c.header('X-Content-Type-Options', 'nosniff')
      c.header('Content-Security-Policy', "default-src 'none'")
      c.header('Cache-Control', 'private, max-age=31536000, immutable')
      return c.body(image.data as Uint8Array<ArrayBuffer>, 200)
    })
}
