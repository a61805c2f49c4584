/**
 * Deepest ProseMirror JSON accepted, in JSON levels (a node is two: itself and its `content`; a list
 * level is two nodes), so about 30 levels of nested lists: far past any real document.
 */
export const MAX_IMPORT_DEPTH = 128

/** Content that cannot become a document (`POST /api/rooms` with `content`); the message says why. */
export class ImportError extends Error {
  override name = 'ImportError'
}
