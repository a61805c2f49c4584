/**
 * A stock y-websocket client inside the benchmark process: the unmodified `WebsocketProvider` over the
 * `ws` package, exactly as a Node integration would use it, so no Tandem client code is measured.
 * Hocuspocus speaks its own dialect (each message names its document), so against it the client is
 * Hocuspocus' own stock `HocuspocusProvider`, over the same `ws`.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

import { withDeadline } from './deadline.js'

/** Name of the shared text every benchmark edits. */
const TEXT_NAME = 't'
/** More clients than this in one process is a benchmark bug, not a workload. */
const MAX_CLIENTS = 200

// Each stock provider adds a process 'exit' listener (to clear its awareness state); the fan-out
// benchmark's 51 clients are expected, not the leak Node warns about past 10 listeners.
process.setMaxListeners(Math.max(process.getMaxListeners(), MAX_CLIENTS + 10))

/** The wire protocol of a server: the y-websocket protocol (Tandem, the reference server) or Hocuspocus'. */
export type CollabProtocol = 'y-websocket' | 'hocuspocus'

/** A connected, synced document client. Always {@link CollabClient.destroy} it. */
export class CollabClient {
  readonly doc: Y.Doc
  readonly text: Y.Text
  readonly provider: WebsocketProvider | HocuspocusProvider
  /** `performance.now()` when the client was created. */
  readonly createdAt = performance.now()
  /**
   * `performance.now()` when its socket first opened. Tandem loads a room before it completes the
   * upgrade, so for a cold room this marks the end of the server's load from storage.
   */
  openedAt = Number.NaN
  #destroyed = false
  #closeSocket = (): void => undefined

  private constructor(serverWsUrl: string, room: string, protocol: CollabProtocol) {
    this.doc = new Y.Doc()
    this.text = this.doc.getText(TEXT_NAME)
    // The providers are typed against the DOM WebSocket; `ws` implements the same surface.
    const WebSocketPolyfill = WebSocket as unknown as typeof globalThis.WebSocket
    if (protocol === 'hocuspocus') {
      const websocketProvider = new HocuspocusProviderWebsocket({ url: serverWsUrl, WebSocketPolyfill })
      const provider = new HocuspocusProvider({ websocketProvider, name: room, document: this.doc })
      // A provider given its socket joins it only when attached, and leaves it to the caller to close.
      provider.attach()
      this.provider = provider
      this.#closeSocket = () => websocketProvider.destroy()
    } else {
      this.provider = new WebsocketProvider(`${serverWsUrl}/collab`, room, this.doc, { WebSocketPolyfill, disableBc: true })
    }
    const onStatus = ({ status }: { status: string }): void => {
      if (status !== 'connected') return
      this.openedAt = performance.now()
      this.provider.off('status', onStatus)
    }
    this.provider.on('status', onStatus)
  }

  /**
   * Connect to `room` and resolve once the provider reports `sync` (the server's sync step 2 arrived,
   * so the doc holds everything the server had).
   * @example
   * const reader = await CollabClient.connect(server.wsUrl, 'room-1')
   */
  static async connect(
    serverWsUrl: string,
    room: string,
    timeoutMs = 15_000,
    protocol: CollabProtocol = 'y-websocket',
  ): Promise<CollabClient> {
    const client = new CollabClient(serverWsUrl, room, protocol)
    const synced = new Promise<void>((resolve) => {
      const { provider } = client
      if (provider instanceof HocuspocusProvider) {
        const onSynced = ({ state }: { state: boolean }): void => {
          if (!state) return
          provider.off('synced', onSynced)
          resolve()
        }
        provider.on('synced', onSynced)
        return
      }
      const onSync = (isSynced: boolean): void => {
        if (!isSynced) return
        provider.off('sync', onSync)
        resolve()
      }
      provider.on('sync', onSync)
    })
    try {
      await withDeadline(synced, timeoutMs, `a client to sync room ${room}`)
    } catch (error) {
      client.destroy()
      throw error
    }
    return client
  }

  /** This doc's Yjs client id: the key of its own edits in every state vector. */
  get clientId(): number {
    return this.doc.clientID
  }

  /**
   * How many items from `clientId` this doc has integrated. Yjs integrates each client's items in
   * clock order, so this number passing a sender's clock after an edit proves that edit arrived.
   */
  clockOf(clientId: number): number {
    return Y.getState(this.doc.store, clientId)
  }

  /** Close the socket and free the doc. Idempotent. */
  destroy(): void {
    if (this.#destroyed) return
    this.#destroyed = true
    this.provider.destroy()
    this.#closeSocket()
    this.doc.destroy()
  }
}
