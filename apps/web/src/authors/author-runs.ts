/**
 * Who wrote each piece of a document's text: runs of ProseMirror positions written by one Yjs client,
 * read from the Yjs items themselves (every item carries the id of the client that inserted it). The
 * positions are counted the way ProseMirror counts the document y-prosemirror builds from the same
 * fragment: a node opens and closes with one position each, a leaf node (a line break, an image) is
 * one position, text is one per UTF-16 unit.
 */
import { schema } from '@tandem/document'
import * as Y from 'yjs'

/** Text from `from` to `to`, inserted by Yjs client `client`. */
export interface AuthorRun {
  from: number
  to: number
  client: number
}

function isLeaf(name: string): boolean {
  return Object.hasOwn(schema.nodes, name) && schema.nodes[name]!.isLeaf
}

/** The runs of `fragment`'s text, in document order; neighbouring runs of one client are merged. */
export function authorRuns(fragment: Y.XmlFragment): AuthorRun[] {
  const runs: AuthorRun[] = []
  const push = (from: number, to: number, client: number): void => {
    const last = runs.at(-1)
    if (last && last.client === client && last.to === from) last.to = to
    else runs.push({ from, to, client })
  }
  let pos = 0
  const walk = (children: Array<Y.XmlElement | Y.XmlText | Y.XmlHook>): void => {
    for (const child of children) {
      if (child instanceof Y.XmlText) {
        for (let item = child._start; item !== null; item = item.right) {
          if (item.deleted || !item.countable) continue
          const length = item.content instanceof Y.ContentString ? item.length : 1
          push(pos, pos + length, item.id.client)
          pos += length
        }
      } else if (child instanceof Y.XmlElement) {
        if (isLeaf(child.nodeName)) {
          pos += 1
          continue
        }
        pos += 1
        walk(child.toArray())
        pos += 1
      }
    }
  }
  walk(fragment.toArray())
  return runs
}
