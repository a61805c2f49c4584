import { MemoryMessageStore } from './memory-message-store.js'
import { describeMessageStore } from './message-store.contract.js'

describeMessageStore('memory', async () => new MemoryMessageStore())
