/** A room peer driven by hand in unit tests: its own Y.Doc and awareness, an inbox of what the room sent. */
import { type CloseCode, decodeCollabMessage, encodeSyncUpdate, MessageType, SyncStep } from '@tandem/protocol'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'

import { ANONYMOUS, type Identity } from '../auth/identity.js'
import type { Peer } from '../rooms/peer.js'

/** A client that speaks the protocol by hand: its frames are delivered only when the test says so. */
export class FakeClient implements Peer {
  access: 'read' | 'write' = 'write'
  identity: Identity = ANONYMOUS
  readonly doc = new Y.Doc()
  readonly awareness = new awarenessProtocol.Awareness(this.doc)
  readonly inbox: Uint8Array[] = []
  closed: { code: number; reason: string } | null = null
  constructor(readonly id: string) {}
  get open(): boolean {
    return this.closed === null
  }
  readyToSend(): boolean {
    return this.open
  }
  send(frame: Uint8Array): void {
    this.inbox.push(frame)
  }
  close(code: CloseCode, reason: string): void {
    this.closed = { code, reason }
  }
  /** Apply every frame the room sent so far. */
  deliver(): void {
    for (const frame of this.inbox.splice(0)) {
      const message = decodeCollabMessage(frame)
      if (message.type === MessageType.Sync && message.step !== SyncStep.Step1) Y.applyUpdate(this.doc, message.data, 'server')
      if (message.type === MessageType.Awareness) awarenessProtocol.applyAwarenessUpdate(this.awareness, message.data, 'server')
    }
  }
  /** Type `text` at `at` in this client's text `t`, and return the frame that sends the change. */
  typed(at: number, text: string): Uint8Array {
    const before = Y.encodeStateVector(this.doc)
    this.doc.getText('t').insert(at, text)
    return encodeSyncUpdate(Y.encodeStateAsUpdate(this.doc, before))
  }

  /** Collect the client's own updates as frames to send. */
  recordUpdates(): Uint8Array[] {
    const frames: Uint8Array[] = []
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== 'server') frames.push(encodeSyncUpdate(update))
    })
    return frames
  }
}
