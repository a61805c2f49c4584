/** The client address of an HTTP request, as the admission limits count it (see `admission/client-address.ts`). */
import type { Context } from 'hono'

import { clientAddress } from '../admission/client-address.js'
import type { AppEnv } from './app-env.js'

/** `c`'s client address: its socket's, or with `trustProxy` the last `X-Forwarded-For` entry. */
export function requestAddress(c: Context<AppEnv>, trustProxy: boolean): string {
  const incoming = c.env?.incoming
  return clientAddress(incoming?.socket.remoteAddress, incoming?.headers['x-forwarded-for'], trustProxy)
}
