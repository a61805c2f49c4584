/**
 * Images of documents (pasted, dropped or uploaded into the editor), stored beside the documents
 * and deleted with them. The bytes are kept as uploaded; their type is what their first bytes say
 * (see `rooms/image-type.ts`), never what the uploader claimed.
 */

/** An image to store. */
export interface NewImage {
  room: string
  /** `image/png`, `image/jpeg`, `image/gif` or `image/webp`, as sniffed. */
  contentType: string
  data: Uint8Array
  createdAt: number
}

/** A stored image. */
export interface StoredImage {
  contentType: string
  data: Uint8Array
}

/** How much a document holds in images. */
export interface ImageUsage {
  count: number
  bytes: number
}

/** Where images are kept. */
export interface ImageStore {
  /**
   * Store `image` under a new random id, or `null` when its document is not stored. The same bytes
   * stored again in one document get the id they already have.
   */
  put(image: NewImage): Promise<string | null>
  /** Image `id` of `room`, or `null` (also while the document is in the trash). */
  get(room: string, id: string): Promise<StoredImage | null>
  /** How many images `room` holds, and how many bytes. */
  usage(room: string): Promise<ImageUsage>
}
