/**
 * The storage contract for a document's versions: whole states of the document kept beside its
 * update log, each with when it was taken, an optional name and who edited since the version before.
 * Versions belong to their document: deleting the document deletes them. Every implementation passes
 * the shared suite in `version-store.contract.ts`.
 */

/** Someone who edited a document between two versions. `id` is the token subject in secure mode. */
export interface VersionAuthor {
  id: string | null
  name: string
  color: string | null
}

/** What is known of a version without its state. Times are milliseconds since the epoch. */
export interface VersionInfo {
  /** Increasing across the store: a newer version of a document has a higher id. */
  id: number
  room: string
  createdAt: number
  /** A name people gave it, or a note the server wrote (e.g. before a restore); `null` for most automatic ones. */
  name: string | null
  /** Recorded by the server (end of an editing burst, unload, restore) rather than asked for. */
  auto: boolean
  authors: VersionAuthor[]
  /** Size of the stored state. */
  bytes: number
  /** Hash of what the document showed (`versions/content-hash.ts`), to tell identical states apart. */
  contentHash: string
}

/** A version to record: its state is a Yjs update in the V2 encoding (`Y.encodeStateAsUpdateV2`). */
export interface NewVersion {
  room: string
  createdAt: number
  name: string | null
  auto: boolean
  authors: VersionAuthor[]
  contentHash: string
  state: Uint8Array
}

/** The outcome of {@link VersionStore.record}. */
export interface RecordedVersion {
  version: VersionInfo
  /** False when an automatic version matched the newest one and only its authors were merged into it. */
  added: boolean
}

/** Most authors kept per version; later ones are not added. */
export const MAX_VERSION_AUTHORS = 50

/** Where versions live. Methods resolve once the change is committed. */
export interface VersionStore {
  /**
   * Store `version`, unless its `contentHash` equals that of the document's newest version: then its
   * authors are added to that version (up to {@link MAX_VERSION_AUTHORS}), a named version gives it
   * its name (it is named from then on, so never thinned), and it is returned with `added: false`.
   * Decided in the transaction that writes, so two nodes recording the same state at once store it
   * once, and asking again and again for a version of an unchanged document stores nothing more.
   * @throws when the document is not stored (versions belong to a stored document).
   */
  record(version: NewVersion): Promise<RecordedVersion>
  /** Versions of `room`, newest first, at most `limit`, only those with an id below `before` when given. */
  list(room: string, options: { limit: number; before?: number }): Promise<VersionInfo[]>
  /** One version of `room` with its state, or `null` when there is none with that id. */
  get(room: string, id: number): Promise<{ info: VersionInfo; state: Uint8Array } | null>
  /** How many named versions `room` has (they are never thinned, so their number is capped). */
  countNamed(room: string): Promise<number>
  /** Id and time of every automatic version of `room`, for thinning. */
  automatic(room: string): Promise<Array<{ id: number; createdAt: number }>>
  /** Delete the given versions of `room` (ids of other rooms are ignored). */
  remove(room: string, ids: readonly number[]): Promise<void>
}

/** `known` with each of `more` not already in it (same id, or same name and colour when anonymous) added, up to {@link MAX_VERSION_AUTHORS}. */
export function mergeAuthors(known: readonly VersionAuthor[], more: readonly VersionAuthor[]): VersionAuthor[] {
  const merged = known.map((author) => ({ ...author }))
  const keys = new Set(merged.map(authorKey))
  for (const author of more) {
    if (merged.length >= MAX_VERSION_AUTHORS) break
    const key = authorKey(author)
    if (keys.has(key)) continue
    keys.add(key)
    merged.push({ ...author })
  }
  return merged
}

function authorKey(author: VersionAuthor): string {
  return author.id !== null ? `u:${author.id}` : `a:${author.name}\u0000${author.color ?? ''}`
}

/** Authors as stored (JSON text): whatever is not a well-formed author is left out, so a damaged row still reads. */
function parseAuthors(json: string): VersionAuthor[] {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return []
  }
  if (!Array.isArray(value)) return []
  const authors: VersionAuthor[] = []
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) continue
    const { id, name, color } = item as Record<string, unknown>
    if (typeof name !== 'string') continue
    authors.push({ id: typeof id === 'string' ? id : null, name, color: typeof color === 'string' ? color : null })
  }
  return authors.slice(0, MAX_VERSION_AUTHORS)
}

/** Name and kind of `newest` once `version`, of the same content, is recorded onto it: a named version names it. */
export function renamed(newest: VersionInfo, version: NewVersion): Pick<VersionInfo, 'name' | 'auto'> {
  return version.auto ? { name: newest.name, auto: newest.auto } : { name: version.name, auto: false }
}

/** A version's row as the SQL stores read it (`auto` is 0/1 in SQLite, a boolean in PostgreSQL; `authors` is JSON text). */
export interface VersionRow {
  id: number
  room: string
  createdAt: number
  label: string | null
  auto: number | boolean
  authors: string
  bytes: number
  contentHash: string
}

/** The {@link VersionInfo} of a stored row. */
export function versionInfoOf(row: VersionRow): VersionInfo {
  return {
    id: row.id,
    room: row.room,
    createdAt: row.createdAt,
    name: row.label,
    auto: row.auto === true || row.auto === 1,
    authors: parseAuthors(row.authors),
    bytes: row.bytes,
    contentHash: row.contentHash,
  }
}
