/**
 * What a document shows, as one hash: two states with the same text, structure, marks and comments
 * hash alike even when they were reached by different edits (typing a word and deleting it again).
 * Versions use it to skip recording a state identical to the last one.
 */
import { createHash } from 'node:crypto'

import { COMMENTS_MAP } from '@tandem/protocol'
import type * as Y from 'yjs'

import { toProseMirrorJson } from '../rooms/document-export.js'

/** SHA-256 (hex) of the document's ProseMirror JSON and its comment threads. */
export function contentHash(doc: Y.Doc): string {
  const comments = doc.share.has(COMMENTS_MAP) ? doc.getMap(COMMENTS_MAP).toJSON() : {}
  return createHash('sha256')
    .update(JSON.stringify({ document: toProseMirrorJson(doc), comments }))
    .digest('hex')
}
