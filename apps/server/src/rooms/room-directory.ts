/**
 * The list of documents people can open: everything stored plus rooms that are live but not yet
 * written, with who is in each right now. Read by the home page and, with more detail, the admin API.
 */
import { type AdminRoom, documentTitle, type PresentUser, type RoomSummary } from '@tandem/protocol'

import type { DocumentStore } from '../storage/document-store.js'
import { MAX_USER_COLOR_LENGTH, MAX_USER_NAME_LENGTH } from './awareness-guard.js'
import type { Room } from './room.js'
import type { RoomRegistry } from './room-registry.js'

/** Most people listed per room in `/api/rooms`, the admin API and stored `room:<name>` messages. */
export const MAX_LISTED_USERS = 50

/**
 * Users announced in a room's awareness states (`{ user: { name, color } }`, the y-prosemirror shape):
 * the first {@link MAX_LISTED_USERS}, and how many there are. States come from clients; whatever they
 * hold (any JSON value, huge strings, names that are not strings), this only reads and never throws.
 */
export function presentUsers(room: Room): { users: PresentUser[]; total: number } {
  const seen = new Map<string, PresentUser>()
  for (const state of room.awareness.getStates().values()) {
    const user = isObject(state) ? state.user : undefined
    if (!isObject(user) || typeof user.name !== 'string') continue
    const name = cut(user.name, MAX_USER_NAME_LENGTH).trim()
    if (name.length === 0) continue
    const color = typeof user.color === 'string' && user.color.length <= MAX_USER_COLOR_LENGTH ? user.color : null
    const key = `${name}\u0000${color}`
    if (!seen.has(key)) seen.set(key, { name, color })
  }
  return { users: [...seen.values()].slice(0, MAX_LISTED_USERS), total: seen.size }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `text` cut to `max` UTF-16 units, never through a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text
  const head = text.slice(0, max)
  return /[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head
}

/** A live room's title; a document its clients made unreadable (a bug, or an attack) has none. */
function titleOf(room: Room): string {
  try {
    return documentTitle(room.doc)
  } catch {
    return ''
  }
}

/** Everything known about one room, stored or live: a row of the admin room table. */
export type RoomRow = AdminRoom

/** A room as the other nodes of a cluster hold it: their connections, and who is present there. */
export interface RoomElsewhere {
  connections: number
  users: PresentUser[]
}

/** The rooms the other nodes of a cluster have connections in. */
export type ConnectionsElsewhere = () => Promise<ReadonlyMap<string, RoomElsewhere>>

/**
 * Every stored or live room, in no particular order; with `elsewhere`, connections count on every
 * node. Titles of live rooms come from their documents, of the others from `titles` (the search index).
 */
export async function roomRows(
  store: DocumentStore,
  registry: RoomRegistry,
  elsewhere?: ConnectionsElsewhere,
  titles: ReadonlyMap<string, string> = new Map(),
): Promise<RoomRow[]> {
  const rows = new Map<string, RoomRow>()
  for (const info of await store.list()) {
    rows.set(info.name, {
      name: info.name,
      title: titles.get(info.name) ?? '',
      lastActivity: info.updatedAt,
      connections: 0,
      users: [],
      userCount: 0,
      bytes: info.bytes,
      logRows: info.logRows,
      createdAt: info.createdAt,
      loaded: false,
    })
  }
  for (const room of registry.loaded()) {
    const stored = rows.get(room.name)
    const present = presentUsers(room)
    rows.set(room.name, {
      name: room.name,
      title: titleOf(room),
      lastActivity: Math.max(room.lastActivity, stored?.lastActivity ?? 0),
      connections: room.peerCount,
      users: present.users,
      userCount: present.total,
      bytes: stored?.bytes ?? 0,
      logRows: stored?.logRows ?? 0,
      createdAt: stored?.createdAt ?? null,
      loaded: true,
    })
  }
  if (elsewhere) {
    for (const [name, there] of await elsewhere()) {
      const row = rows.get(name)
      if (!row) {
        // Live on another node and not written yet.
        rows.set(name, {
          ...emptyRow(name),
          connections: there.connections,
          users: there.users,
          userCount: there.users.length,
          loaded: true,
        })
        continue
      }
      row.connections += there.connections
      // Held in memory on another node, at least.
      if (there.connections > 0) row.loaded = true
      const users = mergeUsers(row.users, there.users)
      row.userCount += users.length - row.users.length
      row.users = users.slice(0, MAX_LISTED_USERS)
    }
  }
  return [...rows.values()]
}

function emptyRow(name: string): RoomRow {
  return {
    name,
    title: '',
    lastActivity: Date.now(),
    connections: 0,
    users: [],
    userCount: 0,
    bytes: 0,
    logRows: 0,
    createdAt: null,
    loaded: false,
  }
}

/** `a` and then those of `b` not in it (same name and colour), in order. */
export function mergeUsers(a: readonly PresentUser[], b: readonly PresentUser[]): PresentUser[] {
  const seen = new Set(a.map((user) => `${user.name}\u0000${user.color}`))
  return [...a, ...b.filter((user) => !seen.has(`${user.name}\u0000${user.color}`))]
}

/** How the public list is ordered: most recently active first, or by title (then name). */
export type RoomOrder = 'activity' | 'name'

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true })

/** Every known room, as the public list shows it, in `order`. */
export async function listRooms(
  store: DocumentStore,
  registry: RoomRegistry,
  elsewhere?: ConnectionsElsewhere,
  titles?: ReadonlyMap<string, string>,
  order: RoomOrder = 'activity',
): Promise<RoomSummary[]> {
  const byName = (a: RoomSummary, b: RoomSummary): number =>
    collator.compare(a.title || a.name, b.title || b.name) || (a.name < b.name ? -1 : 1)
  return (await roomRows(store, registry, elsewhere, titles))
    .map(({ name, title, lastActivity, connections, users, userCount, bytes }) => ({
      name,
      title,
      lastActivity,
      connections,
      users,
      userCount,
      bytes,
    }))
    .sort(order === 'name' ? byName : (a, b) => b.lastActivity - a.lastActivity || (a.name < b.name ? -1 : 1))
}
