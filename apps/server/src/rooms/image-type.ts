/**
 * What an uploaded file is, by its first bytes (the uploader's `Content-Type` is not trusted):
 * PNG, JPEG, GIF and WebP are images a browser shows and nothing runs in. SVG is refused: it is a
 * document that can carry scripts, and sanitizing it is a parser-against-attacker game not worth
 * playing for pictures people paste.
 */

/** The image types accepted. */
export type ImageType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp'

const startsWith = (data: Uint8Array, bytes: readonly number[], at = 0): boolean => bytes.every((byte, i) => data[at + i] === byte)
const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0))

/** The type `data` is, or `null` when it is none of the accepted {@link ImageType}s. */
export function imageTypeOf(data: Uint8Array): ImageType | null {
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (startsWith(data, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (startsWith(data, ascii('GIF87a')) || startsWith(data, ascii('GIF89a'))) return 'image/gif'
  if (startsWith(data, ascii('RIFF')) && startsWith(data, ascii('WEBP'), 8)) return 'image/webp'
  return null
}
