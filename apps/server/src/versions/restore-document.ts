/**
 * Make a live document show what a version showed, as one new change on top of its history (nothing
 * is rewritten, so every client merges it like any other edit). Blocks (top-level paragraphs,
 * headings, lists...) the two have in common, in order, are left untouched; the others are deleted
 * from the live document or inserted as copies of the version's. So an edit someone makes at the same
 * time survives when it lands in a block the restore leaves alone, and is dropped with its block
 * otherwise (Yjs drops an insertion into a deleted block).
 *
 * Comment threads are not restored: they stay as they are, anchored where their text still is.
 */
import { DOCUMENT_FRAGMENT } from '@tandem/document'
import { diffArrays } from 'diff'
import * as Y from 'yjs'

import { blockJson } from '../rooms/document-export.js'

/** What a restore changed: blocks deleted from and inserted into the live document. */
export interface RestoreChange {
  removed: number
  inserted: number
}

/**
 * Change `live` (in one transaction with `origin`) so its document fragment equals `version`'s.
 * Returns what it changed; nothing when they are already equal.
 */
export function restoreDocument(live: Y.Doc, version: Y.Doc, origin: unknown): RestoreChange {
  const fragment = live.getXmlFragment(DOCUMENT_FRAGMENT)
  // Only elements and text are ProseMirror content (y-prosemirror writes no hooks).
  const target = version
    .getXmlFragment(DOCUMENT_FRAGMENT)
    .toArray()
    .filter((item): item is Y.XmlElement | Y.XmlText => item instanceof Y.XmlElement || item instanceof Y.XmlText)
  const keyOf = (item: unknown): string => JSON.stringify(blockJson(item))
  const changes = diffArrays(fragment.toArray().map(keyOf), target.map(keyOf))
  const change: RestoreChange = { removed: 0, inserted: 0 }
  if (changes.every((part) => !part.added && !part.removed)) return change
  live.transact(() => {
    let index = 0
    let from = 0
    for (const part of changes) {
      const count = part.count ?? part.value.length
      if (part.removed) {
        fragment.delete(index, count)
        change.removed += count
      } else if (part.added) {
        fragment.insert(index, target.slice(from, from + count).map(copyOf))
        index += count
        from += count
        change.inserted += count
      } else {
        index += count
        from += count
      }
    }
  }, origin)
  return change
}

/** A copy of a block of another document, ready to insert (a Yjs type belongs to one document). */
function copyOf(item: Y.XmlElement | Y.XmlText): Y.XmlElement | Y.XmlText {
  return item.clone()
}
