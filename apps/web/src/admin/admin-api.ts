/**
 * The console's client of the admin API: every request carries the administrator token as a bearer
 * header, answers are checked and parsed here, and a 401 becomes {@link AdminUnauthorizedError} so
 * the page can send the administrator back to sign in.
 */
import { EXPORT_FILE_EXTENSIONS } from '@tandem/document'
import {
  adminNodesSchema,
  type AdminQuotas,
  adminQuotasSchema,
  type AdminStats,
  type AdminStatsHistory,
  adminStatsHistorySchema,
  adminStatsSchema,
  type AdminTrash,
  adminTrashSchema,
  type AuditPage,
  auditPageSchema,
  type ClusterNode,
  type EXPORT_FORMATS,
} from '@tandem/protocol'

import { readApiError } from '../shell/api-error.js'
import { type AdminRoomDetail, type AdminRoomPage, parseAdminRoomDetail, parseAdminRoomPage } from './admin-room-data.js'
import type { RoomSort } from './room-order.js'

/** A request the server answered with an error, or could not answer at all (`status` 0). */
export class AdminApiError extends Error {
  override name = 'AdminApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** The server does not accept the token (HTTP 401). */
export class AdminUnauthorizedError extends AdminApiError {
  override name = 'AdminUnauthorizedError'
}

/** Formats a room can be exported in, as the export route names them. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** What an announcement says; it is shown to everyone with Tandem open. */
export interface Announcement {
  title?: string
  message: string
  level: 'info' | 'warning'
}

/** The admin API, as the console uses it. */
export interface AdminApi {
  /** One page of the room table, `limit` rooms in `sort` order; `cursor` is the previous page's `nextCursor`. */
  rooms(sort: RoomSort, limit: number, search?: string, cursor?: string): Promise<AdminRoomPage>
  /** A room with its connections, or `null` when there is no such room (any more). */
  room(name: string): Promise<AdminRoomDetail | null>
  /** Disconnect everyone in room `name` and delete its data. */
  deleteRoom(name: string): Promise<void>
  /** The room's document as a file. */
  exportRoom(name: string, format: ExportFormat): Promise<{ blob: Blob; filename: string }>
  /** Publish an announcement on the `broadcast` channel; resolves the ids it was published under. */
  broadcast(announcement: Announcement): Promise<Record<string, number>>
  /** The headline numbers (`GET /api/admin/stats`). */
  stats(): Promise<AdminStats>
  /** The same numbers sampled over the last hour, oldest first (`GET /api/admin/stats/history`). */
  statsHistory(): Promise<AdminStatsHistory>
  /** The live nodes of the cluster (`GET /api/admin/nodes`; one without a cluster). */
  nodes(): Promise<ClusterNode[]>
  /** Deleted documents, most recent first (`GET /api/admin/trash`). */
  trash(): Promise<AdminTrash>
  /** Take `name` out of the trash as it was. */
  restore(name: string): Promise<void>
  /** Remove `name` from the trash for good. */
  purge(name: string): Promise<void>
  /** A page of the audit log, newest first: older than `cursor`, of one action family, mentioning `q`. */
  audit(query: AuditQuery): Promise<AuditPage>
  /** The quotas and how near the server is (`GET /api/admin/quotas`). */
  quotas(): Promise<AdminQuotas>
}

/** What {@link AdminApi.audit} asks for. */
export interface AuditQuery {
  limit: number
  cursor?: string | undefined
  action?: string | undefined
  q?: string | undefined
}

/** The file name a `Content-Disposition: attachment; filename="…"` header gives, if any. */
function attachmentName(header: string | null): string | null {
  const match = /filename="([^"]+)"/.exec(header ?? '')
  return match ? match[1]! : null
}

async function errorOf(response: Response): Promise<AdminApiError> {
  const sent = await readApiError(response)
  // Without the API's JSON error (a proxy's HTML page, say) the status says enough.
  const code = sent.code ?? 'http_error'
  const message = sent.message ?? `the server answered ${response.status}`
  return response.status === 401 ? new AdminUnauthorizedError(401, code, message) : new AdminApiError(response.status, code, message)
}

/**
 * The admin API of the server that served this page, used with `token`.
 * @example
 * const api = createAdminApi(token)
 * const { rooms } = await api.rooms({ key: 'lastActivity', order: 'desc' }, 100)
 */
export function createAdminApi(token: string, timeoutMs = 8_000): AdminApi {
  async function request(path: string, init: RequestInit = {}, allowNotFound = false): Promise<Response | null> {
    let response: Response
    try {
      response = await fetch(path, {
        ...init,
        signal: AbortSignal.timeout(timeoutMs),
        headers: { authorization: `Bearer ${token}`, ...init.headers },
      })
    } catch {
      throw new AdminApiError(0, 'unreachable', 'the server cannot be reached')
    }
    if (allowNotFound && response.status === 404) return null
    if (!response.ok) throw await errorOf(response)
    return response
  }
  const room = (name: string): string => `/api/admin/rooms/${encodeURIComponent(name)}`
  const trashed = (name: string): string => `/api/admin/trash/${encodeURIComponent(name)}`
  /** GET `path` and parse the answer with `schema`, naming `what` if it cannot be read. */
  const read = async <T>(
    path: string,
    schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } },
    what: string,
  ): Promise<T> => {
    const response = await request(path, { headers: { accept: 'application/json' } })
    const parsed = schema.safeParse(await response!.json())
    if (!parsed.success) throw new AdminApiError(response!.status, 'bad_response', `the server sent ${what} this console cannot read`)
    return parsed.data
  }
  const json = { 'content-type': 'application/json', accept: 'application/json' }

  return {
    async rooms(sort, limit, search, cursor) {
      const query = new URLSearchParams({
        sort: sort.key,
        order: sort.order,
        limit: String(limit),
        ...(search ? { q: search } : {}),
        ...(cursor ? { cursor } : {}),
      })
      const response = await request(`/api/admin/rooms?${query}`, { headers: { accept: 'application/json' } })
      return parseAdminRoomPage(await response!.json())
    },
    async room(name) {
      const response = await request(room(name), { headers: { accept: 'application/json' } }, true)
      return response ? parseAdminRoomDetail(await response.json()) : null
    },
    async deleteRoom(name) {
      await request(room(name), { method: 'DELETE', headers: { accept: 'application/json' } })
    },
    async exportRoom(name, format) {
      const response = await request(`${room(name)}/export?format=${format}`)
      const filename = attachmentName(response!.headers.get('content-disposition')) ?? `${name}.${EXPORT_FILE_EXTENSIONS[format]}`
      return { blob: await response!.blob(), filename }
    },
    async broadcast(announcement) {
      const response = await request('/api/admin/broadcast', { method: 'POST', headers: json, body: JSON.stringify(announcement) })
      const ids = ((await response!.json()) as { ids?: unknown } | null)?.ids
      const published: Record<string, number> = {}
      if (typeof ids === 'object' && ids !== null) {
        for (const [channel, id] of Object.entries(ids)) if (Number.isSafeInteger(id)) published[channel] = id as number
      }
      return published
    },
    async stats() {
      const response = await request('/api/admin/stats', { headers: { accept: 'application/json' } })
      const parsed = adminStatsSchema.safeParse(await response!.json())
      if (!parsed.success) throw new AdminApiError(response!.status, 'bad_response', 'the server sent statistics this console cannot read')
      return parsed.data
    },
    async statsHistory() {
      const response = await request('/api/admin/stats/history', { headers: { accept: 'application/json' } })
      const parsed = adminStatsHistorySchema.safeParse(await response!.json())
      if (!parsed.success) throw new AdminApiError(response!.status, 'bad_response', 'the server sent a history this console cannot read')
      return parsed.data
    },
    trash: () => read('/api/admin/trash', adminTrashSchema, 'a trash list'),
    async restore(name) {
      await request(`${trashed(name)}/restore`, { method: 'POST', headers: { accept: 'application/json' } })
    },
    async purge(name) {
      await request(trashed(name), { method: 'DELETE', headers: { accept: 'application/json' } })
    },
    audit({ limit, cursor, action, q }) {
      const query = new URLSearchParams({
        limit: String(limit),
        ...(cursor ? { cursor } : {}),
        ...(action ? { action } : {}),
        ...(q ? { q } : {}),
      })
      return read(`/api/admin/audit?${query}`, auditPageSchema, 'an audit log')
    },
    quotas: () => read('/api/admin/quotas', adminQuotasSchema, 'quotas'),
    async nodes() {
      const response = await request('/api/admin/nodes', { headers: { accept: 'application/json' } })
      const parsed = adminNodesSchema.safeParse(await response!.json())
      if (!parsed.success) throw new AdminApiError(response!.status, 'bad_response', 'the server sent a node list this console cannot read')
      return parsed.data.nodes
    },
  }
}
