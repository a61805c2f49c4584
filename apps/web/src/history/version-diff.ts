/**
 * What changed between two versions of a document, as marks on the newer one: text that is new is
 * highlighted, text that went away is shown struck through where it was. Blocks (paragraphs,
 * headings, list items, code) are matched by their text first; a block that changed is then compared
 * word by word.
 */
import { diffArrays, diffWordsWithSpace } from 'diff'
import type { Node } from 'prosemirror-model'

/** One change to show on the newer document, in its positions. */
export type Change =
  /** Inserted text from `from` to `to`. */
  | { kind: 'inserted'; from: number; to: number }
  /** A whole block that is new; `pos` is the position before it. */
  | { kind: 'inserted-block'; pos: number; end: number }
  /** Text that was removed, shown at `at`. */
  | { kind: 'deleted'; at: number; text: string }

interface Block {
  /** Position of the block's content start. */
  start: number
  /** Position before the block node. */
  pos: number
  end: number
  text: string
}

/** Every textblock of `doc`, in order, with its text (one character per position: a line break counts as one). */
function blocksOf(doc: Node): Block[] {
  const blocks: Block[] = []
  doc.descendants((node, pos) => {
    if (!node.isTextblock) return true
    blocks.push({ start: pos + 1, pos, end: pos + node.nodeSize, text: node.textBetween(0, node.content.size, '', () => '\n') })
    return false
  })
  return blocks
}

/** The changes that turn `older` into `newer`, located in `newer`. */
export function versionChanges(older: Node, newer: Node): Change[] {
  const before = blocksOf(older)
  const after = blocksOf(newer)
  const parts = diffArrays(
    before.map((block) => block.text),
    after.map((block) => block.text),
  )
  const changes: Change[] = []
  let oldIndex = 0
  let newIndex = 0
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    const count = part.count ?? part.value.length
    if (!part.added && !part.removed) {
      oldIndex += count
      newIndex += count
      continue
    }
    if (part.removed) {
      // A removal followed by an addition: the blocks in between changed; pair them up and compare words.
      const next = parts[i + 1]
      const added = next?.added ? (next.count ?? next.value.length) : 0
      const paired = Math.min(count, added)
      for (let k = 0; k < paired; k++) changes.push(...wordChanges(before[oldIndex + k]!.text, after[newIndex + k]!))
      // Blocks removed without a counterpart: their text shown struck through where they were.
      const at = after[newIndex + paired]?.pos ?? newer.content.size
      for (let k = paired; k < count; k++) {
        const text = before[oldIndex + k]!.text
        if (text) changes.push({ kind: 'deleted', at: after[newIndex + paired - 1]?.end ?? at, text })
      }
      for (let k = paired; k < added; k++) {
        const block = after[newIndex + k]!
        changes.push({ kind: 'inserted-block', pos: block.pos, end: block.end })
      }
      oldIndex += count
      newIndex += added
      if (next?.added) i++
      continue
    }
    // An addition on its own: new blocks.
    for (let k = 0; k < count; k++) {
      const block = after[newIndex + k]!
      changes.push({ kind: 'inserted-block', pos: block.pos, end: block.end })
    }
    newIndex += count
  }
  return changes
}

/** Word changes from `oldText` to the text of `block`. */
function wordChanges(oldText: string, block: Block): Change[] {
  const changes: Change[] = []
  let offset = 0
  for (const part of diffWordsWithSpace(oldText, block.text)) {
    if (part.added) {
      changes.push({ kind: 'inserted', from: block.start + offset, to: block.start + offset + part.value.length })
      offset += part.value.length
    } else if (part.removed) {
      changes.push({ kind: 'deleted', at: block.start + offset, text: part.value })
    } else {
      offset += part.value.length
    }
  }
  return changes
}
