import { MemoryDocumentStore } from './memory-document-store.js'
import { MemorySearchIndex } from './memory-search-index.js'
import { describeSearchIndex } from './search-index.contract.js'

describeSearchIndex('memory', async () => {
  const documents = new MemoryDocumentStore()
  return { documents, index: new MemorySearchIndex(documents), close: () => documents.close() }
})
