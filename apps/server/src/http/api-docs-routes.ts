/**
 * `/api/openapi.json` (the OpenAPI 3.1 description of the HTTP API, generated from the routes' zod
 * schemas) and `/api/docs`, a reference page for it: Swagger UI, served from this server's own copy
 * of `swagger-ui-dist` so that it works offline and behind a strict firewall.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

import type { OpenAPIHono } from '@hono/zod-openapi'
import { roomEventSchema } from '@tandem/protocol'
import { Hono } from 'hono'
// The path helper alone: the package's index loads its 1.7 MB browser bundles (≈40 MiB of RSS) into the server.
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js'
import { z } from 'zod'

import type { AppEnv } from './app-env.js'

/** Swagger UI's files the page loads, by the name it asks for. */
const ASSETS = new Map([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
])

/** Starts Swagger UI on the description; a file rather than an inline script, for the page's CSP. */
const START_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
})
`

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tandem HTTP API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/start.js"></script>
</body>
</html>
`

const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'"

/** Describe `app`'s API at `/api/openapi.json` and serve the reference page; call after every route is mounted. */
export function mountApiDocs(app: OpenAPIHono<AppEnv>, version: string): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: "The server's `ADMIN_TOKEN`",
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'publishKey', {
    type: 'http',
    scheme: 'bearer',
    description: "The server's `PUBLISH_KEY`, for backends that publish notifications",
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'userToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'Secure mode (`AUTH_SECRET`): a token your application mints (or `POST /api/admin/tokens`); browsers may pass it as `?token=`',
  })
  // Not an answer of any route: the `data` of messages on `room:<name>`, for those who subscribe.
  // (As JSON Schema: `register` needs zod schemas made after `@hono/zod-openapi` extended zod.)
  const { $schema: _dialect, ...roomEvent } = z.toJSONSchema(roomEventSchema, { io: 'output', unrepresentable: 'any' })
  app.openAPIRegistry.registerComponent(
    'schemas',
    'RoomEvent',
    roomEvent as Parameters<typeof app.openAPIRegistry.registerComponent<'schemas'>>[2],
  )
  let document: unknown = null
  app.get('/api/openapi.json', (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Tandem HTTP API',
        version,
        description: [
          'Rooms, notifications and administration of a Tandem server. Errors are `{ "error": { "code", "message" } }`',
          'with a stable `code`. Documents themselves sync over WebSocket at `/collab/{room}` with the standard',
          'y-websocket protocol; notifications also stream over a WebSocket opened on `/api/events` (JSON channel frames; see the README).',
        ].join(' '),
        license: { name: 'MIT' },
      },
      tags: [
        { name: 'Rooms', description: 'The documents people open' },
        { name: 'Notifications', description: 'Channels with history: publish from any backend, subscribe from browsers' },
        { name: 'Admin', description: 'Behind the admin token' },
        { name: 'Server', description: 'Health and metrics' },
      ],
    })
    return c.json(document)
  })
  app.route('/api/docs', docsPage())
}

function docsPage(): Hono {
  const root = getAbsoluteFSPath()
  const cache = new Map<string, Buffer>()
  return new Hono()
    .get('/', (c) => {
      c.header('Content-Security-Policy', CSP)
      return c.html(PAGE)
    })
    .get('/start.js', (c) => {
      c.header('Content-Type', 'text/javascript; charset=utf-8')
      return c.body(START_SCRIPT)
    })
    .get('/:file', async (c) => {
      const file = c.req.param('file')
      const type = ASSETS.get(file)
      if (!type) return c.notFound()
      let body = cache.get(file)
      if (!body) {
        body = await readFile(join(root, file))
        cache.set(file, body)
      }
      c.header('Content-Type', type)
      c.header('Cache-Control', 'public, max-age=3600')
      return c.body(new Uint8Array(body))
    })
}
