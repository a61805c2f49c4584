/**
 * The server's versions API (`/api/rooms/<room>/versions`), read with the schemas the server declares
 * it with (`@tandem/protocol`).
 */
import type { PmNode } from '@tandem/document'
import { type Restored, restoredSchema, type Version, versionAnswerSchema, type VersionList, versionListSchema } from '@tandem/protocol'

import { bearerHeaders } from '../session/access-token.js'
import { readApiError } from '../shell/api-error.js'

const TIMEOUT_MS = 10_000

/** The versions API of one room, for the page's sign-in (`token`, or `null` in open mode). */
export interface VersionsApi {
  /** A page of versions, newest first; `before` is the `next` of the page before. */
  list(before?: number): Promise<VersionList>
  /** The document as it was at version `id` (ProseMirror JSON). */
  content(id: number): Promise<PmNode>
  /** Record the document as it is now as a version named `name`. */
  name(name: string): Promise<Version>
  /** Make the document show version `id` again. */
  restore(id: number): Promise<Restored>
}

/** The versions API of `room`. Every method throws an `Error` whose message can be shown as it is. */
export function versionsApi(room: string, token: string | null): VersionsApi {
  const base = `/api/rooms/${encodeURIComponent(room)}/versions`
  const call = async (path: string, what: string, init: RequestInit = {}): Promise<unknown> => {
    let response: Response
    try {
      response = await fetch(path, {
        ...init,
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}), ...bearerHeaders(token) },
      })
    } catch {
      throw new Error(`Could not ${what}: the server cannot be reached right now`)
    }
    if (!response.ok) {
      const { message } = await readApiError(response)
      throw new Error(`Could not ${what}: ${message ?? `the server answered ${response.status}`}`)
    }
    return response.json()
  }
  return {
    async list(before) {
      const query = before === undefined ? '?limit=50' : `?limit=50&before=${before}`
      return versionListSchema.parse(await call(`${base}${query}`, 'load the history'))
    },
    async content(id) {
      return (await call(`${base}/${id}?format=json`, 'load this version')) as PmNode
    },
    async name(name) {
      return versionAnswerSchema.parse(await call(base, 'name this version', { method: 'POST', body: JSON.stringify({ name }) })).version
    },
    async restore(id) {
      return restoredSchema.parse(await call(`${base}/${id}/restore`, 'restore this version', { method: 'POST' }))
    },
  }
}
