/**
 * Comment threads live in the document itself, in the Y.Map named {@link COMMENTS_MAP} beside the
 * `prosemirror` fragment: they sync, persist and work offline like the text, and any client that
 * writes this structure (a stock y-websocket client included) gets the same behaviour, server-side
 * mention notifications included.
 *
 * ```
 * doc.getMap('comments')                      Y.Map<threadId, Y.Map>
 *   <threadId>: Y.Map
 *     id          string                      the same as its key
 *     start, end  Uint8Array                  Y.encodeRelativePosition of the commented range in the
 *                                             `prosemirror` fragment (y-prosemirror's
 *                                             absolutePositionToRelativePosition); follows edits
 *     quote       string                      the text commented on, when the thread was started
 *     createdAt   number                      ms since the epoch
 *     resolved    boolean
 *     resolvedBy  CommentAuthor | null
 *     resolvedAt  number | null
 *     entries     Y.Array<Y.Map>              the opening comment, then the replies, in order
 *       id        string
 *       author    CommentAuthor               { id (token subject, null in open mode), name, color }
 *       body      string                      plain text; a mention reads "@Name" in it
 *       mentions  CommentMention[]            [{ id, name }]: who the body mentions, by user id
 *       createdAt number
 *       editedAt  number | null
 *       deleted   boolean                     deleted by its author: kept as a tombstone, body ""
 * ```
 *
 * Readers are total: whatever a client wrote (missing keys, wrong types, huge arrays), {@link readThreads}
 * returns well-formed threads and skips what is not one.
 */
import * as Y from 'yjs'

/** Name of the document's top-level Y.Map of comment threads, keyed by thread id. */
export const COMMENTS_MAP = 'comments'

/** Longest comment body, in UTF-16 units; longer bodies are cut when read. */
export const COMMENT_BODY_MAX_LENGTH = 10_000
/** Most mentions read from one comment. */
export const MAX_COMMENT_MENTIONS = 50
/** Most entries read from one thread. */
export const MAX_THREAD_ENTRIES = 500

/** Who wrote a comment. */
export interface CommentAuthor {
  /** The token subject in secure mode; `null` for anonymous writers (open mode). */
  id: string | null
  name: string
  color: string | null
}

/** Someone a comment mentions. */
export interface CommentMention {
  id: string
  name: string
}

/** One comment of a thread. */
export interface CommentEntry {
  id: string
  author: CommentAuthor
  body: string
  mentions: CommentMention[]
  createdAt: number
  editedAt: number | null
  deleted: boolean
}

/** A thread as read from the document. */
export interface CommentThread {
  id: string
  /** Encoded relative positions of the range; `null` when the thread has none readable. */
  start: Uint8Array | null
  end: Uint8Array | null
  quote: string
  createdAt: number
  resolved: boolean
  resolvedBy: CommentAuthor | null
  resolvedAt: number | null
  entries: CommentEntry[]
}

function text(value: unknown, max = 500): string {
  return typeof value === 'string' ? value.slice(0, max) : ''
}

function time(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0
}

/** An author from whatever is stored; `null` when it has no name. */
export function readAuthor(value: unknown): CommentAuthor | null {
  if (typeof value !== 'object' || value === null) return null
  const { id, name, color } = value as Record<string, unknown>
  if (typeof name !== 'string' || name.trim() === '') return null
  return {
    id: typeof id === 'string' && id !== '' ? id.slice(0, 200) : null,
    name: name.slice(0, 100),
    color: typeof color === 'string' ? color.slice(0, 32) : null,
  }
}

/** The mentions of an entry from whatever is stored. */
export function readMentions(value: unknown): CommentMention[] {
  if (!Array.isArray(value)) return []
  const mentions: CommentMention[] = []
  const seen = new Set<string>()
  for (const item of value.slice(0, MAX_COMMENT_MENTIONS) as unknown[]) {
    if (typeof item !== 'object' || item === null) continue
    const { id, name } = item as Record<string, unknown>
    if (typeof id !== 'string' || id === '' || seen.has(id)) continue
    seen.add(id)
    mentions.push({ id: id.slice(0, 200), name: text(name, 100) })
  }
  return mentions
}

/** One entry of a thread, or `null` when it is not one. */
export function readEntry(stored: unknown): CommentEntry | null {
  if (!(stored instanceof Y.Map)) return null
  const value = stored as Y.Map<unknown>
  const id = value.get('id')
  const author = readAuthor(value.get('author'))
  if (typeof id !== 'string' || id === '' || !author) return null
  const deleted = value.get('deleted') === true
  return {
    id: id.slice(0, 200),
    author,
    body: deleted ? '' : text(value.get('body'), COMMENT_BODY_MAX_LENGTH),
    mentions: deleted ? [] : readMentions(value.get('mentions')),
    createdAt: time(value.get('createdAt')),
    editedAt: typeof value.get('editedAt') === 'number' ? time(value.get('editedAt')) : null,
    deleted,
  }
}

/** One thread, or `null` when it is not one (no id, no readable opening comment). */
export function readThread(stored: unknown): CommentThread | null {
  if (!(stored instanceof Y.Map)) return null
  const value = stored as Y.Map<unknown>
  const id = value.get('id')
  const entries = value.get('entries')
  if (typeof id !== 'string' || id === '' || !(entries instanceof Y.Array)) return null
  const read: CommentEntry[] = []
  for (const entry of entries.toArray().slice(0, MAX_THREAD_ENTRIES) as unknown[]) {
    const parsed = readEntry(entry)
    if (parsed) read.push(parsed)
  }
  if (read.length === 0) return null
  const start = value.get('start')
  const end = value.get('end')
  const resolved = value.get('resolved') === true
  return {
    id: id.slice(0, 200),
    start: start instanceof Uint8Array ? start : null,
    end: end instanceof Uint8Array ? end : null,
    quote: text(value.get('quote'), 1000),
    createdAt: time(value.get('createdAt')),
    resolved,
    resolvedBy: resolved ? readAuthor(value.get('resolvedBy')) : null,
    resolvedAt: resolved && typeof value.get('resolvedAt') === 'number' ? time(value.get('resolvedAt')) : null,
    entries: read,
  }
}

/** Every well-formed thread of `doc`, oldest first. */
export function readThreads(doc: Y.Doc): CommentThread[] {
  const threads: CommentThread[] = []
  for (const value of doc.getMap(COMMENTS_MAP).values()) {
    const thread = readThread(value)
    if (thread) threads.push(thread)
  }
  return threads.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
}

/** What starting a thread takes. */
export interface NewThread {
  id: string
  start: Uint8Array
  end: Uint8Array
  quote: string
  entry: Omit<CommentEntry, 'editedAt' | 'deleted'>
}

function entryMap(entry: Omit<CommentEntry, 'editedAt' | 'deleted'>): Y.Map<unknown> {
  const map = new Y.Map<unknown>()
  map.set('id', entry.id)
  map.set('author', { ...entry.author })
  map.set('body', entry.body)
  map.set(
    'mentions',
    entry.mentions.map((mention) => ({ ...mention })),
  )
  map.set('createdAt', entry.createdAt)
  map.set('editedAt', null)
  map.set('deleted', false)
  return map
}

/** Start a thread on a range of `doc` (in one transaction with `origin`). */
export function startThread(doc: Y.Doc, thread: NewThread, origin?: unknown): void {
  doc.transact(() => {
    const map = new Y.Map<unknown>()
    map.set('id', thread.id)
    map.set('start', thread.start)
    map.set('end', thread.end)
    map.set('quote', thread.quote.slice(0, 1000))
    map.set('createdAt', thread.entry.createdAt)
    map.set('resolved', false)
    map.set('resolvedBy', null)
    map.set('resolvedAt', null)
    const entries = new Y.Array<Y.Map<unknown>>()
    entries.push([entryMap(thread.entry)])
    map.set('entries', entries)
    doc.getMap(COMMENTS_MAP).set(thread.id, map)
  }, origin)
}

function threadMap(doc: Y.Doc, threadId: string): Y.Map<unknown> | null {
  const value = doc.getMap(COMMENTS_MAP).get(threadId)
  return value instanceof Y.Map ? (value as Y.Map<unknown>) : null
}

function entryOf(doc: Y.Doc, threadId: string, entryId: string): Y.Map<unknown> | null {
  const entries = threadMap(doc, threadId)?.get('entries')
  if (!(entries instanceof Y.Array)) return null
  return (
    ((entries.toArray() as unknown[]).find((entry) => entry instanceof Y.Map && entry.get('id') === entryId) as
      Y.Map<unknown> | undefined) ?? null
  )
}

/** Add a reply to a thread; `false` when the thread is gone. */
export function replyToThread(doc: Y.Doc, threadId: string, entry: Omit<CommentEntry, 'editedAt' | 'deleted'>, origin?: unknown): boolean {
  const entries = threadMap(doc, threadId)?.get('entries')
  if (!(entries instanceof Y.Array)) return false
  doc.transact(() => (entries as Y.Array<Y.Map<unknown>>).push([entryMap(entry)]), origin)
  return true
}

/** Change the body (and mentions) of an entry; `false` when it is gone. */
export function editComment(
  doc: Y.Doc,
  threadId: string,
  entryId: string,
  change: { body: string; mentions: CommentMention[]; at: number },
  origin?: unknown,
): boolean {
  const entry = entryOf(doc, threadId, entryId)
  if (!entry) return false
  doc.transact(() => {
    entry.set('body', change.body)
    entry.set(
      'mentions',
      change.mentions.map((mention) => ({ ...mention })),
    )
    entry.set('editedAt', change.at)
  }, origin)
  return true
}

/** Delete an entry (a tombstone stays, so replies keep their place); deleting the opening comment of a thread without replies removes the thread. */
export function deleteComment(doc: Y.Doc, threadId: string, entryId: string, origin?: unknown): boolean {
  const thread = threadMap(doc, threadId)
  const entry = entryOf(doc, threadId, entryId)
  if (!thread || !entry) return false
  doc.transact(() => {
    const entries = thread.get('entries') as Y.Array<unknown>
    const live = entries.toArray().filter((item) => item instanceof Y.Map && item.get('deleted') !== true)
    if (live.length === 1 && live[0] === entry) {
      doc.getMap(COMMENTS_MAP).delete(threadId)
      return
    }
    entry.set('deleted', true)
    entry.set('body', '')
    entry.set('mentions', [])
  }, origin)
  return true
}

/** Resolve or reopen a thread; `false` when it is gone. */
export function setThreadResolved(
  doc: Y.Doc,
  threadId: string,
  resolved: boolean,
  by: CommentAuthor,
  at: number,
  origin?: unknown,
): boolean {
  const thread = threadMap(doc, threadId)
  if (!thread) return false
  doc.transact(() => {
    thread.set('resolved', resolved)
    thread.set('resolvedBy', resolved ? { ...by } : null)
    thread.set('resolvedAt', resolved ? at : null)
  }, origin)
  return true
}

/**
 * The mentions `body` still holds: each of `picked` (people chosen in the `@` picker while writing)
 * whose `@Name` is still in the text, once per person.
 */
export function mentionsIn(body: string, picked: readonly CommentMention[]): CommentMention[] {
  const kept: CommentMention[] = []
  const seen = new Set<string>()
  for (const mention of picked) {
    if (seen.has(mention.id) || !mention.name) continue
    if (!body.includes(`@${mention.name}`)) continue
    seen.add(mention.id)
    kept.push(mention)
  }
  return kept.slice(0, MAX_COMMENT_MENTIONS)
}

/**
 * Name of the document's top-level Y.Map of who wrote what: Yjs client id (as a decimal string) to
 * the {@link CommentAuthor} whose connection first wrote with it. Only the server writes it (from
 * the token in secure mode, the announced name in open mode); editors colour text by it.
 */
export const AUTHORS_MAP = 'authors'

/** Every author of `doc`'s text, by Yjs client id. */
export function readAuthors(doc: Y.Doc): Map<number, CommentAuthor> {
  const authors = new Map<number, CommentAuthor>()
  for (const [key, value] of doc.getMap<unknown>(AUTHORS_MAP).entries()) {
    const client = Number(key)
    const author = readAuthor(value)
    if (Number.isSafeInteger(client) && author) authors.set(client, author)
  }
  return authors
}
