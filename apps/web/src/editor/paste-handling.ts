/**
 * What happens to pasted and dropped content the schema has no place for yet: images. They are
 * skipped (documents hold text only for now), and the person is told how many were left out. Tables
 * come through as tables (prosemirror-tables' parse rules; a cell's paragraphs stay its own).
 */
import { Plugin } from 'prosemirror-state'

/** What a paste or drop left out, reported to the page. */
export interface PasteNotice {
  skippedImages: number
}

/** Remove the images of a pasted HTML document in place; returns how many were removed. */
function removeImages(doc: Document): { skippedImages: number } {
  const images = doc.querySelectorAll('img, svg, canvas')
  const skippedImages = images.length
  for (const image of [...images, ...doc.querySelectorAll('picture')]) image.remove()
  return { skippedImages }
}

/** Image files on a clipboard or in a drop. */
function imageFiles(data: DataTransfer | null): number {
  if (!data) return 0
  return [...data.files].filter((file) => file.type.startsWith('image/')).length
}

/** The plugin; `notify` hears about what a paste or drop left out. */
export function pasteHandlingPlugin(notify: (notice: PasteNotice) => void): Plugin {
  return new Plugin({
    props: {
      transformPastedHTML(html) {
        const doc = new DOMParser().parseFromString(html, 'text/html')
        const { skippedImages } = removeImages(doc)
        if (skippedImages > 0) queueMicrotask(() => notify({ skippedImages }))
        return doc.body.innerHTML
      },
      handlePaste(_view, event) {
        const data = event.clipboardData
        // A screenshot or a copied image file: nothing but the image, which has nowhere to go.
        if (!data || data.getData('text/html') !== '' || data.getData('text/plain') !== '') return false
        const images = imageFiles(data)
        if (images === 0) return false
        notify({ skippedImages: images })
        return true
      },
      handleDrop(_view, event) {
        const images = imageFiles(event.dataTransfer)
        if (images === 0) return false
        notify({ skippedImages: images })
        return true
      },
    },
  })
}

/** What to tell the person about `notice`. */
export function pasteNoticeText(notice: PasteNotice): string {
  const images = notice.skippedImages === 1 ? 'An image was' : `${notice.skippedImages} images were`
  return `${images} left out: documents hold text only for now.`
}
