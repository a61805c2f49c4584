/**
 * What a document created from the home page starts with: one empty paragraph in the editor's
 * fragment, the same document the editor shows for an empty one. Storing it makes the document exist
 * (listed, exportable, 409 for a second create) before anyone types, and the paragraph, being
 * nobody's edit, is never undone away.
 */
import { DOCUMENT_FRAGMENT } from '@tandem/document'
import * as Y from 'yjs'

/** The update that creates a new document's content. */
export function newDocumentUpdate(): Uint8Array {
  const doc = new Y.Doc()
  doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [new Y.XmlElement('paragraph')])
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}
