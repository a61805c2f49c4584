/** Content that cannot become a document (`POST /api/rooms` with `content`); the message says why. */
export class ImportError extends Error {
  override name = 'ImportError'
}
