/** Document updates that are costly for Yjs to integrate, for tests of the integration limits. */
import * as Y from 'yjs'

/**
 * `count` single characters from client `clientId` in text `t`, each typed before the last, in one
 * update: nothing merges, and each is a concurrent insert at the start for anyone who did the same.
 * A second such batch from another client costs Yjs ~count² steps of conflict scanning.
 */
export function insertsAtStart(count: number, clientId: number): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = clientId
  const text = doc.getText('t')
  doc.transact(() => {
    for (let i = 0; i < count; i++) text.insert(0, 'x')
  })
  return Y.encodeStateAsUpdate(doc)
}
