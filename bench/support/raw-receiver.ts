/**
 * A receiver without a document: a bare WebSocket that joins a room in the server's own dialect
 * (y-websocket, or Hocuspocus' with its document name in front of every message), syncs, and then
 * only notes when a document update or an awareness entry arrives (and sends either when told to).
 * Hundreds fit in the benchmark process where as many
 * stock providers, each applying every update to its own Y.Doc, would measure the benchmark itself.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { WebSocket } from 'ws'

import type { CollabProtocol } from './collab-client.js'
import { withDeadline } from './deadline.js'

/** y-websocket's top-level message types, which Hocuspocus shares (plus a few of its own). */
const MESSAGE_SYNC = 0
const MESSAGE_AWARENESS = 1
const MESSAGE_AUTH = 2
/** Hocuspocus answers a sync step 1 with this type instead of MESSAGE_SYNC. */
const HOCUSPOCUS_SYNC_REPLY = 4
/** y-protocols' sync message types. */
const SYNC_STEP_1 = 0
const SYNC_STEP_2 = 1
const SYNC_UPDATE = 2
/** Hocuspocus' auth message types. */
const AUTH_TOKEN = 0
const AUTH_AUTHENTICATED = 2
/** An empty Yjs update (no structs, no deletions): the answer of a client that has nothing. */
const EMPTY_UPDATE = new Uint8Array([0, 0])
/** An empty state vector: "send me everything". */
const EMPTY_STATE_VECTOR = new Uint8Array([0])

/** A synced, document-less member of a room. Always {@link RawReceiver.close} it. */
export class RawReceiver {
  /** Called with each document update that reaches this receiver, once synced (a view into the frame: copy it to keep it). */
  onUpdate: ((update: Uint8Array) => void) | null = null
  /** Called for each awareness entry that reaches this receiver, once synced; `removed` when its state is null. */
  onAwareness: ((clientId: number, clock: number, removed: boolean) => void) | null = null
  /** Bytes of the update in the server's sync step 2: the whole document as this receiver got it. */
  syncedBytes = 0
  readonly #socket: WebSocket
  readonly #room: string
  readonly #protocol: CollabProtocol
  #synced = false
  #onSynced: () => void = () => undefined

  private constructor(wsUrl: string, room: string, protocol: CollabProtocol) {
    this.#room = room
    this.#protocol = protocol
    this.#socket = new WebSocket(protocol === 'hocuspocus' ? wsUrl : `${wsUrl}/collab/${encodeURIComponent(room)}`)
    this.#socket.binaryType = 'nodebuffer'
    this.#socket.on('message', (data: Buffer) => this.#receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)))
    this.#socket.on('open', () => {
      if (protocol === 'hocuspocus')
        this.#send(MESSAGE_AUTH, (encoder) => (encoding.writeVarUint(encoder, AUTH_TOKEN), encoding.writeVarString(encoder, '')))
      else this.#sendSync(SYNC_STEP_1, EMPTY_STATE_VECTOR)
    })
  }

  /** Join `room` and resolve once the server's sync step 2 arrived. */
  static async connect(wsUrl: string, room: string, protocol: CollabProtocol, timeoutMs = 30_000): Promise<RawReceiver> {
    const receiver = new RawReceiver(wsUrl, room, protocol)
    const synced = new Promise<void>((resolve, reject) => {
      receiver.#onSynced = resolve
      receiver.#socket.once('error', reject)
      receiver.#socket.once('close', (code) => reject(new Error(`closed with ${code} before it synced`)))
    })
    try {
      await withDeadline(synced, timeoutMs, `a raw receiver to sync with ${room}`)
    } catch (error) {
      receiver.close()
      throw error
    }
    return receiver
  }

  /** Send a Yjs update to the room, as a client that made it would. */
  sendUpdate(update: Uint8Array): void {
    this.#sendSync(SYNC_UPDATE, update)
  }

  /** Announce awareness entry `clientId` at `clock` with `state`, as y-protocols encodes one. */
  sendAwareness(clientId: number, clock: number, state: unknown): void {
    this.#send(MESSAGE_AWARENESS, (encoder) => {
      const update = encoding.createEncoder()
      encoding.writeVarUint(update, 1)
      encoding.writeVarUint(update, clientId)
      encoding.writeVarUint(update, clock)
      encoding.writeVarString(update, JSON.stringify(state))
      encoding.writeVarUint8Array(encoder, encoding.toUint8Array(update))
    })
  }

  close(): void {
    this.onUpdate = null
    this.onAwareness = null
    this.#socket.terminate()
  }

  #receive(message: Uint8Array): void {
    const decoder = decoding.createDecoder(message)
    if (this.#protocol === 'hocuspocus') decoding.readVarString(decoder)
    const type = decoding.readVarUint(decoder)
    if (type === MESSAGE_AUTH) {
      if (decoding.readVarUint(decoder) === AUTH_AUTHENTICATED) this.#sendSync(SYNC_STEP_1, EMPTY_STATE_VECTOR)
      return
    }
    if (type === MESSAGE_AWARENESS) {
      if (this.#synced && this.onAwareness) this.#receiveAwareness(decoding.readVarUint8Array(decoder))
      return
    }
    if (type !== MESSAGE_SYNC && type !== HOCUSPOCUS_SYNC_REPLY) return
    const syncType = decoding.readVarUint(decoder)
    if (syncType === SYNC_STEP_1) this.#sendSync(SYNC_STEP_2, EMPTY_UPDATE)
    else if (syncType === SYNC_STEP_2 && !this.#synced) {
      this.syncedBytes = decoding.readVarUint8Array(decoder).byteLength
      this.#synced = true
      this.#onSynced()
    } else if (syncType === SYNC_UPDATE && this.#synced) this.onUpdate?.(decoding.readVarUint8Array(decoder))
  }

  #receiveAwareness(update: Uint8Array): void {
    const decoder = decoding.createDecoder(update)
    for (let entries = decoding.readVarUint(decoder); entries > 0; entries--) {
      const clientId = decoding.readVarUint(decoder)
      const clock = decoding.readVarUint(decoder)
      const state = decoding.readVarString(decoder)
      this.onAwareness?.(clientId, clock, state === 'null')
    }
  }

  #sendSync(syncType: number, payload: Uint8Array): void {
    this.#send(MESSAGE_SYNC, (encoder) => {
      encoding.writeVarUint(encoder, syncType)
      encoding.writeVarUint8Array(encoder, payload)
    })
  }

  #send(type: number, body: (encoder: encoding.Encoder) => void): void {
    const encoder = encoding.createEncoder()
    if (this.#protocol === 'hocuspocus') encoding.writeVarString(encoder, this.#room)
    encoding.writeVarUint(encoder, type)
    body(encoder)
    this.#socket.send(encoding.toUint8Array(encoder))
  }
}
