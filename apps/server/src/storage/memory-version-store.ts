/** A {@link VersionStore} in process memory, beside a {@link MemoryDocumentStore}, for tests and throwaway servers. */
import type { MemoryDocumentStore } from './memory-document-store.js'
import { mergeAuthors, type NewVersion, type RecordedVersion, renamed, type VersionInfo, type VersionStore } from './version-store.js'

interface MemoryVersion {
  info: VersionInfo
  state: Uint8Array
}

/** Keeps versions in arrays per room; copies bytes in and out. Versions go with their document. */
export class MemoryVersionStore implements VersionStore {
  readonly #documents: MemoryDocumentStore
  readonly #rooms = new Map<string, MemoryVersion[]>()
  #lastId = 0

  constructor(documents: MemoryDocumentStore) {
    this.#documents = documents
    documents.onDelete((name) => this.#rooms.delete(name))
  }

  async record(version: NewVersion): Promise<RecordedVersion> {
    if (!this.#documents.has(version.room)) throw new Error(`document ${version.room} is not stored`)
    const versions = this.#rooms.get(version.room) ?? []
    const newest = versions.at(-1)
    if (newest && newest.info.contentHash === version.contentHash) {
      newest.info = { ...newest.info, ...renamed(newest.info, version), authors: mergeAuthors(newest.info.authors, version.authors) }
      return { version: copyInfo(newest.info), added: false }
    }
    const info: VersionInfo = {
      id: ++this.#lastId,
      room: version.room,
      createdAt: version.createdAt,
      name: version.name,
      auto: version.auto,
      authors: mergeAuthors([], version.authors),
      bytes: version.state.byteLength,
      contentHash: version.contentHash,
    }
    versions.push({ info, state: version.state.slice() })
    this.#rooms.set(version.room, versions)
    return { version: copyInfo(info), added: true }
  }

  async list(room: string, options: { limit: number; before?: number }): Promise<VersionInfo[]> {
    const versions = this.#rooms.get(room) ?? []
    const result: VersionInfo[] = []
    for (let i = versions.length - 1; i >= 0 && result.length < options.limit; i--) {
      const info = versions[i]!.info
      if (options.before === undefined || info.id < options.before) result.push(copyInfo(info))
    }
    return result
  }

  async get(room: string, id: number): Promise<{ info: VersionInfo; state: Uint8Array } | null> {
    const found = this.#rooms.get(room)?.find((version) => version.info.id === id)
    return found ? { info: copyInfo(found.info), state: found.state.slice() } : null
  }

  async countNamed(room: string): Promise<number> {
    return (this.#rooms.get(room) ?? []).filter((version) => !version.info.auto).length
  }

  async automatic(room: string): Promise<Array<{ id: number; createdAt: number }>> {
    return (this.#rooms.get(room) ?? [])
      .filter((version) => version.info.auto)
      .map(({ info }) => ({ id: info.id, createdAt: info.createdAt }))
  }

  async remove(room: string, ids: readonly number[]): Promise<void> {
    const versions = this.#rooms.get(room)
    if (!versions) return
    const gone = new Set(ids)
    this.#rooms.set(
      room,
      versions.filter((version) => !gone.has(version.info.id)),
    )
  }
}

function copyInfo(info: VersionInfo): VersionInfo {
  return { ...info, authors: info.authors.map((author) => ({ ...author })) }
}
