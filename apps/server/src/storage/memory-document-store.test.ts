import { describeDocumentStore } from './document-store.contract.js'
import { MemoryDocumentStore } from './memory-document-store.js'

describeDocumentStore('memory', async () => new MemoryDocumentStore())
