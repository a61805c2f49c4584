/**
 * Documents kept in this browser for offline use. Each opened document is cached in IndexedDB
 * (y-indexeddb, one database per document and person), so it opens without a network and edits
 * made meanwhile survive a reload or a browser restart until the server has them. A small index in
 * `localStorage` says which documents are here, when they were last opened and how many changes
 * the server had not confirmed storing when the page last saw it; the home page lists it, and
 * "forget" and signing out delete the copies.
 *
 * Copies are kept apart per person: `scope` is the token's subject in secure mode, `open` otherwise.
 */
import { clearDocument, IndexeddbPersistence } from 'y-indexeddb'
import type * as Y from 'yjs'

import { tokenSubject } from '../session/token-claims.js'

/** What the index knows of one local copy. */
export interface LocalCopy {
  room: string
  /** When a page last had it open, ms since the epoch. */
  openedAt: number
  /** Changes the server had not confirmed storing, as the page last saw it. */
  unsaved: number
  /** What the server last let this person do with it (`read`: the page opens it read-only offline too). */
  access?: 'read' | 'write'
}

const INDEX_PREFIX = 'tandem.offline.'
const DATABASE_PREFIX = 'tandem-doc'

/** Whose copies a page works with: the token's subject in secure mode, `open` without a token. */
export function copyScope(token: string | null): string {
  const subject = tokenSubject(token)
  return subject === null ? 'open' : `user:${subject}`
}

/** The IndexedDB database holding `room` for `scope`. */
function databaseName(scope: string, room: string): string {
  return `${DATABASE_PREFIX}:${scope}:${room}`
}

function storage(): Storage | null {
  try {
    return window.localStorage
  } catch {
    return null
  }
}

function readIndex(scope: string): Record<string, Omit<LocalCopy, 'room'>> {
  try {
    const parsed = JSON.parse(storage()?.getItem(INDEX_PREFIX + scope) ?? '{}') as unknown
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, Omit<LocalCopy, 'room'>>) : {}
  } catch {
    return {}
  }
}

function writeIndex(scope: string, index: Record<string, Omit<LocalCopy, 'room'>>): void {
  try {
    if (Object.keys(index).length === 0) storage()?.removeItem(INDEX_PREFIX + scope)
    else storage()?.setItem(INDEX_PREFIX + scope, JSON.stringify(index))
  } catch {
    // Storage full or refused: the copy still works, it is only not listed.
  }
}

/** The documents `scope` has in this browser, most recently opened first. */
export function localCopies(scope: string): LocalCopy[] {
  return Object.entries(readIndex(scope))
    .map(([room, entry]) => ({ room, openedAt: Number(entry.openedAt) || 0, unsaved: Number(entry.unsaved) || 0 }))
    .sort((a, b) => b.openedAt - a.openedAt)
}

/** Changes of `room` the server had not confirmed when a page last saw it (0 when none or unknown). */
export function unsavedInCopy(scope: string, room: string): number {
  return Number(readIndex(scope)[room]?.unsaved) || 0
}

/** Note how many changes of `room` the server has not confirmed yet. */
export function recordUnsaved(scope: string, room: string, unsaved: number): void {
  const index = readIndex(scope)
  const entry = index[room]
  if (!entry || entry.unsaved === unsaved) return
  index[room] = { ...entry, unsaved }
  writeIndex(scope, index)
}

/** What the server last let `scope` do with `room`, or `null` when it never said. */
export function accessInCopy(scope: string, room: string): 'read' | 'write' | null {
  const access = readIndex(scope)[room]?.access
  return access === 'read' || access === 'write' ? access : null
}

/** Note what the server lets `scope` do with `room`. */
export function recordAccess(scope: string, room: string, access: 'read' | 'write'): void {
  const index = readIndex(scope)
  const entry = index[room]
  if (!entry || entry.access === access) return
  index[room] = { ...entry, access }
  writeIndex(scope, index)
}

/** A document's local copy while its page is open. */
export interface OpenCopy {
  /** The transaction origin of what the copy loads: not an edit of this page. */
  origin: unknown
  /** Resolves once what was stored is in the document. */
  loaded: Promise<void>
  /** Stop caching (the copy stays). */
  close(): void
}

/** Cache `doc` (document `room`) in this browser for `scope`, loading what was stored before. */
export function openLocalCopy(scope: string, room: string, doc: Y.Doc): OpenCopy {
  const index = readIndex(scope)
  index[room] = { ...index[room], openedAt: Date.now(), unsaved: Number(index[room]?.unsaved) || 0 }
  writeIndex(scope, index)
  const persistence = new IndexeddbPersistence(databaseName(scope, room), doc)
  return {
    origin: persistence,
    loaded: persistence.whenSynced.then(() => undefined),
    close: () => void persistence.destroy(),
  }
}

/** Delete the local copy of `room` (the server's document is untouched). */
export async function forgetLocalCopy(scope: string, room: string): Promise<void> {
  const index = readIndex(scope)
  delete index[room]
  writeIndex(scope, index)
  await clearDocument(databaseName(scope, room))
}

/** Delete every local copy of `scope` (signing out). */
export async function forgetAllLocalCopies(scope: string): Promise<void> {
  await Promise.all(localCopies(scope).map(({ room }) => forgetLocalCopy(scope, room)))
}

/** How much this site may store and uses, when the browser says. */
export async function storageUse(): Promise<{ usage: number; quota: number } | null> {
  try {
    const { usage, quota } = await navigator.storage.estimate()
    return usage === undefined || quota === undefined ? null : { usage, quota }
  } catch {
    return null
  }
}
