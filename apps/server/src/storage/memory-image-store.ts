/** An {@link ImageStore} in process memory, beside a {@link MemoryDocumentStore}, for tests and throwaway servers. */
import { createHash, randomBytes } from 'node:crypto'

import type { ImageStore, ImageUsage, NewImage, StoredImage } from './image-store.js'
import type { MemoryDocumentStore } from './memory-document-store.js'

/** Images per document; they go with their document. */
export class MemoryImageStore implements ImageStore {
  readonly #documents: MemoryDocumentStore
  readonly #rooms = new Map<string, Map<string, StoredImage & { hash: string }>>()

  constructor(documents: MemoryDocumentStore) {
    this.#documents = documents
    documents.onDelete((name) => this.#rooms.delete(name))
  }

  async put(image: NewImage): Promise<string | null> {
    if (!this.#documents.has(image.room)) return null
    const hash = createHash('sha256').update(image.data).digest('hex')
    const images = this.#rooms.get(image.room) ?? new Map<string, StoredImage & { hash: string }>()
    for (const [id, stored] of images) if (stored.hash === hash) return id
    const id = randomBytes(12).toString('base64url')
    images.set(id, { contentType: image.contentType, data: image.data.slice(), hash })
    this.#rooms.set(image.room, images)
    return id
  }

  async get(room: string, id: string): Promise<StoredImage | null> {
    const image = this.#documents.has(room) ? this.#rooms.get(room)?.get(id) : undefined
    return image ? { contentType: image.contentType, data: image.data.slice() } : null
  }

  async usage(room: string): Promise<ImageUsage> {
    const images = [...(this.#rooms.get(room)?.values() ?? [])]
    return { count: images.length, bytes: images.reduce((sum, image) => sum + image.data.byteLength, 0) }
  }
}
