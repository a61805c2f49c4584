/**
 * The behaviour every {@link ImageStore} must have. Each implementation's test file calls
 * {@link describeImageStore} with a factory returning a fresh document store and image store on one storage.
 */
import { describe, expect, it } from 'vitest'

import type { DocumentStore } from './document-store.js'
import type { ImageStore } from './image-store.js'

/** A document store and the image store beside it; `close` releases both. */
export interface ImageStorage {
  documents: DocumentStore
  images: ImageStore
  close(): Promise<void>
}

let counter = 0

/** Register the contract tests for the stores made by `create`. */
export function describeImageStore(label: string, create: () => Promise<ImageStorage>): void {
  describe(`ImageStore contract: ${label}`, () => {
    it('stores images of stored documents, once per content, and gives them back; they go with the document', async () => {
      const storage = await create()
      const { documents, images } = storage
      try {
        const room = `pics-${++counter}-${Date.now().toString(36)}`
        const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])
        expect(await images.put({ room, contentType: 'image/png', data: png, createdAt: 1 })).toBeNull()
        await documents.appendUpdates([{ name: room, updates: [new Uint8Array([0, 0])] }])
        const id = await images.put({ room, contentType: 'image/png', data: png, createdAt: 1 })
        expect(id).toMatch(/^[\w-]{16}$/)
        expect(await images.put({ room, contentType: 'image/png', data: png.slice(), createdAt: 2 })).toBe(id)
        const other = await images.put({ room, contentType: 'image/png', data: new Uint8Array([...png, 4]), createdAt: 3 })
        expect(other).not.toBe(id)
        expect(await images.get(room, id!)).toEqual({ contentType: 'image/png', data: png })
        expect(await images.get(room, 'no-such-image')).toBeNull()
        expect(await images.get('another-room', id!)).toBeNull()
        expect(await images.usage(room)).toEqual({ count: 2, bytes: 23 })
        // In the trash: kept, but neither served nor added to.
        await documents.trash(room, 'admin')
        expect(await images.get(room, id!)).toBeNull()
        expect(await images.put({ room, contentType: 'image/png', data: new Uint8Array([...png, 5]), createdAt: 4 })).toBeNull()
        await documents.restore(room)
        expect(await images.get(room, id!)).toEqual({ contentType: 'image/png', data: png })
        await documents.delete(room)
        expect(await images.get(room, id!)).toBeNull()
        expect(await images.usage(room)).toEqual({ count: 0, bytes: 0 })
      } finally {
        await storage.close()
      }
    })
  })
}
