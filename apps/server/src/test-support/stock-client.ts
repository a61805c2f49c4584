/**
 * The unmodified `y-websocket` client, connected to any Tandem server (in-process or a child process)
 * and destroyed when the calling test finishes. Call inside a test body.
 */
import { onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

import { eventually } from './eventually.js'

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
