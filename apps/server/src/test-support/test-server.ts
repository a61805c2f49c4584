/**
 * Real servers for tests: started on port 0 with a quiet logger, torn down when the calling test
 * finishes. Call these inside a test body.
 */
import { onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { type Config, loadConfig } from '../config.js'
import { createLogger } from '../logger.js'
import { startServer, type TandemServer } from '../server.js'
import type { DocumentStore } from '../storage/document-store.js'
import { MemoryDocumentStore } from '../storage/memory-document-store.js'
import { MemoryMessageStore } from '../storage/memory-message-store.js'
import type { MessageStore } from '../storage/message-store.js'
import { eventually } from './eventually.js'

/** A running server plus the store it writes to. */
export interface TestServer extends TandemServer {
  store: DocumentStore
  messages: MessageStore
  /** `ws://host:port/collab`, the stock client's `serverUrl`. */
  collabUrl: string
}

/** Start a server on a free port; it and its store close when the test finishes. */
export async function startTestServer(
  overrides: Partial<Config> = {},
  store: DocumentStore = new MemoryDocumentStore(),
  options: { closeStore?: boolean; messages?: MessageStore } = {},
): Promise<TestServer> {
  const config: Config = { ...loadConfig({}), host: '127.0.0.1', port: 0, ...overrides }
  const messages = options.messages ?? new MemoryMessageStore()
  const server = await startServer(config, { store, messages, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent') })
  onTestFinished(async () => {
    await server.close()
    if (options.closeStore !== false) {
      await store.close()
      await messages.close()
    }
  })
  return { ...server, store, messages, collabUrl: `${server.url.replace(/^http/, 'ws')}/collab` }
}

/** A stock `y-websocket` client on its own Y.Doc. */
export interface TestClient {
  doc: Y.Doc
  provider: WebsocketProvider
  text: Y.Text
}

/** Connect the unmodified `y-websocket` client to `room` and wait until it has synced. */
export async function connectClient(server: { collabUrl: string }, room: string, params: Record<string, string> = {}): Promise<TestClient> {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(server.collabUrl, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params,
    disableBc: true,
  })
  onTestFinished(() => {
    provider.destroy()
    doc.destroy()
  })
  await eventually(() => {
    if (!provider.synced) throw new Error(`client for ${room} has not synced yet`)
  })
  return { doc, provider, text: doc.getText('t') }
}
