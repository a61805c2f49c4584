import { describeImageStore } from './image-store.contract.js'
import { MemoryDocumentStore } from './memory-document-store.js'
import { MemoryImageStore } from './memory-image-store.js'

describeImageStore('memory', async () => {
  const documents = new MemoryDocumentStore()
  return { documents, images: new MemoryImageStore(documents), close: () => documents.close() }
})
