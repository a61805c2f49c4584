/**
 * Pictures in pasted HTML. Images of this server's documents (copied from another Tandem document)
 * come through; an image from anywhere else would load from that site for every reader, so it is
 * left out and the person is told how to add it (paste or drop the picture itself, which
 * `image-upload.ts` uploads). Tables come through as tables (prosemirror-tables' parse rules).
 */
import { IMAGE_SRC } from '@tandem/document'
import { Plugin } from 'prosemirror-state'

/** What a paste left out, reported to the page. */
export interface PasteNotice {
  skippedImages: number
}

/** Remove the pictures of a pasted HTML document that are not this server's; returns how many. */
function removeForeignImages(doc: Document): { skippedImages: number } {
  const foreign = [...doc.querySelectorAll('img, svg, canvas')].filter(
    (element) => !(element instanceof HTMLImageElement && IMAGE_SRC.test(element.getAttribute('src') ?? '')),
  )
  for (const element of foreign) element.remove()
  for (const picture of doc.querySelectorAll('picture')) if (!picture.querySelector('img')) picture.remove()
  return { skippedImages: foreign.length }
}

/** The plugin; `notify` hears about what a paste left out. */
export function pasteHandlingPlugin(notify: (notice: PasteNotice) => void): Plugin {
  return new Plugin({
    props: {
      transformPastedHTML(html) {
        const doc = new DOMParser().parseFromString(html, 'text/html')
        const { skippedImages } = removeForeignImages(doc)
        if (skippedImages > 0) queueMicrotask(() => notify({ skippedImages }))
        return doc.body.innerHTML
      },
    },
  })
}

/** What to tell the person about `notice`. */
export function pasteNoticeText(notice: PasteNotice): string {
  const images = notice.skippedImages === 1 ? 'An image from another page was' : `${notice.skippedImages} images from another page were`
  return `${images} left out: paste or drop the picture itself to add it.`
}
