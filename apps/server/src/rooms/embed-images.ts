/**
 * An HTML export is a file people keep or mail: the document's images go inside it as `data:`
 * URLs, up to {@link MAX_EMBEDDED_BYTES} in all (past that, the rest keep their address on this
 * server). Only images of the exported document are read.
 */
import type { ImageStore } from '../storage/image-store.js'

/** Most image bytes one HTML export carries inside it. */
const MAX_EMBEDDED_BYTES = 10 * 1024 * 1024

/** `html` with `room`'s images (`src="/api/rooms/<room>/images/<id>"`) embedded. */
export async function embedImages(html: string, room: string, images: Pick<ImageStore, 'get'>): Promise<string> {
  const prefix = `/api/rooms/${room}/images/`
  const ids = new Set(
    [...html.matchAll(/src="([^"]+)"/g)]
      .map((match) => match[1]!)
      .filter((src) => src.startsWith(prefix))
      .map((src) => src.slice(prefix.length)),
  )
  const dataUrls = new Map<string, string>()
  let embedded = 0
  for (const id of ids) {
    const image = await images.get(room, id)
    if (!image || embedded + image.data.byteLength > MAX_EMBEDDED_BYTES) continue
    embedded += image.data.byteLength
    dataUrls.set(id, `data:${image.contentType};base64,${Buffer.from(image.data).toString('base64')}`)
  }
  return html.replace(/src="([^"]+)"/g, (whole, src: string) => {
    const url = src.startsWith(prefix) ? dataUrls.get(src.slice(prefix.length)) : undefined
    return url ? `src="${url}"` : whole
  })
}
