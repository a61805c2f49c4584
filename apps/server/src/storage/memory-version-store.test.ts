import { MemoryDocumentStore } from './memory-document-store.js'
import { MemoryVersionStore } from './memory-version-store.js'
import { describeVersionStore } from './version-store.contract.js'

describeVersionStore('memory', async () => {
  const documents = new MemoryDocumentStore()
  return { documents, versions: new MemoryVersionStore(documents), close: () => documents.close() }
})
