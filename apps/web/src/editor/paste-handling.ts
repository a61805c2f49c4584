/**
 * What happens to pasted and dropped content the schema has no place for yet.
 *
 * - Tables: the schema has none, so ProseMirror's parser ran every cell of a row into one word
 *   ("NameRole" from | Name | Role |). Each row becomes a paragraph of its cells separated by tabs
 *   (what spreadsheets and Google Docs put on the clipboard as plain text), so cells stay apart
 *   and copy back into a spreadsheet as cells.
 * - Images: dropped silently before. They are still skipped (documents hold text only), and the
 *   person is told how many were left out.
 */
import { Fragment, type Node, Slice } from 'prosemirror-model'
import { Plugin } from 'prosemirror-state'

/**
 * Stands for a tab between cells until the slice is parsed: ProseMirror's parser turns tabs in HTML
 * into spaces, like a browser does. A private-use character, never in real clipboard text.
 */
const CELL_SEPARATOR = '\uE000'

/** What a paste or drop left out, reported to the page. */
export interface PasteNotice {
  skippedImages: number
}

/** The text of one table cell on one line: its paragraphs and line breaks become spaces. */
function cellText(cell: Element): string {
  return (cell.textContent ?? '').replace(/\s+/g, ' ').trim()
}

/**
 * Rewrite a pasted HTML document in place: each table becomes one paragraph per row, cells joined by
 * tabs; images are removed. Returns how many images were removed.
 */
function flattenPastedDocument(doc: Document): { skippedImages: number } {
  const images = doc.querySelectorAll('img, svg, canvas')
  const skippedImages = images.length
  for (const image of [...images, ...doc.querySelectorAll('picture')]) image.remove()
  // Innermost tables first: a table inside a cell is flattened into that cell's text.
  const tables = [...doc.querySelectorAll('table')].reverse()
  for (const table of tables) {
    const rows = [...table.querySelectorAll('tr')].filter((row) => row.closest('table') === table)
    const paragraphs = rows
      .map((row) => [...row.children].filter((cell) => cell.matches('td, th')).map(cellText))
      .filter((cells) => cells.some((text) => text !== ''))
      .map((cells) => {
        const paragraph = doc.createElement('p')
        paragraph.textContent = cells.join(CELL_SEPARATOR)
        return paragraph
      })
    table.replaceWith(...paragraphs)
  }
  return { skippedImages }
}

/** `fragment` with every {@link CELL_SEPARATOR} turned into a tab. */
function withTabs(fragment: Fragment): Fragment {
  const nodes: Node[] = []
  let changed = false
  fragment.forEach((node) => {
    let next = node
    if (node.isText && node.text!.includes(CELL_SEPARATOR))
      next = node.type.schema.text(node.text!.replaceAll(CELL_SEPARATOR, '\t'), node.marks)
    else if (!node.isLeaf) {
      const content = withTabs(node.content)
      if (content !== node.content) next = node.copy(content)
    }
    if (next !== node) changed = true
    nodes.push(next)
  })
  return changed ? Fragment.from(nodes) : fragment
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
        const { skippedImages } = flattenPastedDocument(doc)
        if (skippedImages > 0) queueMicrotask(() => notify({ skippedImages }))
        return doc.body.innerHTML
      },
      transformPasted(slice) {
        return new Slice(withTabs(slice.content), slice.openStart, slice.openEnd)
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
