/**
 * The first update of a document created from imported content (`POST /api/rooms` with `content`):
 * Markdown, plain text or ProseMirror JSON, read into the schema by `@tandem/document` and written
 * into the editor's fragment by y-prosemirror, so the editor reads it exactly as it reads its own.
 * Bounded before any of it runs on the event loop: JSON depth (the reader recurses along it) and,
 * once parsed, the number of nodes (the conversion to Yjs is linear in them).
 */
import { DOCUMENT_FRAGMENT, importDocument, nodeCount, type PmNode } from '@tandem/document'
import type { ImportContent } from '@tandem/protocol'
import { prosemirrorToYDoc } from 'y-prosemirror'
import * as Y from 'yjs'

import { jsonDepthProblem } from '../notifications/json-depth.js'
import { ImportError, MAX_IMPORT_DEPTH } from './import-error.js'

/** Most nodes (blocks, text runs) an imported document may have. */
const MAX_IMPORT_NODES = 200_000

/**
 * The update that creates a document holding `content`.
 * @throws {ImportError} for JSON nested deeper than {@link MAX_IMPORT_DEPTH} or a document of more
 * than {@link MAX_IMPORT_NODES} nodes.
 */
export function importedDocumentUpdate(content: ImportContent): Uint8Array {
  let node
  if (content.format === 'json') {
    const problem = jsonDepthProblem(content.document, MAX_IMPORT_DEPTH)
    if (problem) throw new ImportError(`the document is ${problem}`)
    node = importDocument('json', content.document as unknown as PmNode)
  } else node = importDocument(content.format, content.text)
  const nodes = nodeCount(node)
  if (nodes > MAX_IMPORT_NODES) throw new ImportError(`the document has ${nodes} nodes; at most ${MAX_IMPORT_NODES} can be imported`)
  const doc = prosemirrorToYDoc(node, DOCUMENT_FRAGMENT)
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}
