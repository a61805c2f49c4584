/** The Hono environment of the server's routes: Node bindings and the verified identity. */
import type { HttpBindings } from '@hono/node-server'

import type { Identity } from '../auth/identity.js'

/** Bindings and per-request variables shared by every route. */
export interface AppEnv {
  Bindings: HttpBindings
  Variables: {
    /** Set by `identifyRequest` on routes that need to know who is asking. */
    identity: Identity
  }
}
