import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'

import {
  decodeCollabMessage,
  encodeAuthDenied,
  encodeAwarenessFrame,
  encodeChannelFrame,
  encodeQueryAwareness,
  encodeReadOnlyAccess,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  MalformedMessageError,
  SyncStep,
  UnknownMessageTypeError,
} from './frames.js'
import { MessageType } from './message-type.js'

function docWithText(text: string): Y.Doc {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return doc
}

describe('collab frames', () => {
  it('round-trips every encoder through the decoder', () => {
    const bytes = new Uint8Array([1, 2, 3, 250])
    expect(decodeCollabMessage(encodeSyncStep1(bytes))).toEqual({ type: MessageType.Sync, step: SyncStep.Step1, data: bytes })
    expect(decodeCollabMessage(encodeSyncStep2(bytes))).toEqual({ type: MessageType.Sync, step: SyncStep.Step2, data: bytes })
    expect(decodeCollabMessage(encodeSyncUpdate(bytes))).toEqual({ type: MessageType.Sync, step: SyncStep.Update, data: bytes })
    expect(decodeCollabMessage(encodeAwarenessFrame(bytes))).toEqual({ type: MessageType.Awareness, data: bytes })
    expect(decodeCollabMessage(encodeQueryAwareness())).toEqual({ type: MessageType.QueryAwareness })
    expect(decodeCollabMessage(encodeAuthDenied('nope é'))).toEqual({ type: MessageType.Auth, reason: 'nope é' })
    expect(decodeCollabMessage(encodeReadOnlyAccess())).toEqual({ type: MessageType.Auth, access: 'read' })
    expect(decodeCollabMessage(encodeChannelFrame('{"a":1}'))).toEqual({ type: MessageType.Channel, json: '{"a":1}' })
  })

  it('produces the same bytes as y-protocols, so stock clients understand them', () => {
    const doc = docWithText('hello')
    const theirs = encoding.createEncoder()
    encoding.writeVarUint(theirs, MessageType.Sync)
    syncProtocol.writeSyncStep1(theirs, doc)
    expect(encodeSyncStep1(Y.encodeStateVector(doc))).toEqual(encoding.toUint8Array(theirs))

    const update = Y.encodeStateAsUpdate(doc)
    const theirUpdate = encoding.createEncoder()
    encoding.writeVarUint(theirUpdate, MessageType.Sync)
    syncProtocol.writeUpdate(theirUpdate, update)
    expect(encodeSyncUpdate(update)).toEqual(encoding.toUint8Array(theirUpdate))
  })

  it('decodes what y-protocols encodes, and the update applies', () => {
    const source = docWithText('shared text')
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    syncProtocol.writeSyncStep2(encoder, source)
    const message = decodeCollabMessage(encoding.toUint8Array(encoder))
    expect(message.type).toBe(MessageType.Sync)
    const target = new Y.Doc()
    if (message.type === MessageType.Sync) Y.applyUpdate(target, message.data)
    expect(target.getText('t').toString()).toBe('shared text')

    const awareness = new awarenessProtocol.Awareness(new Y.Doc())
    awareness.setLocalState({ user: { name: 'Ada' } })
    const awarenessUpdate = awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID])
    expect(decodeCollabMessage(encodeAwarenessFrame(awarenessUpdate))).toEqual({ type: MessageType.Awareness, data: awarenessUpdate })
    awareness.destroy()
  })

  it('refuses empty, truncated and trailing-byte frames as malformed', () => {
    expect(() => decodeCollabMessage(new Uint8Array())).toThrow(MalformedMessageError)
    const full = encodeSyncUpdate(new Uint8Array(40).fill(7))
    expect(() => decodeCollabMessage(full.subarray(0, full.length - 5))).toThrow(MalformedMessageError)
    const trailing = new Uint8Array([...encodeQueryAwareness(), 9])
    expect(() => decodeCollabMessage(trailing)).toThrow(/trailing/)
    // A var-uint that never ends (every byte has its continuation bit set).
    expect(() => decodeCollabMessage(new Uint8Array(12).fill(0xff))).toThrow(MalformedMessageError)
  })

  it('refuses an unknown sync step and names an unknown message type', () => {
    expect(() => decodeCollabMessage(new Uint8Array([MessageType.Sync, 7, 0]))).toThrow(/sync step 7/)
    const error = (() => {
      try {
        decodeCollabMessage(new Uint8Array([42, 0]))
      } catch (caught) {
        return caught
      }
      return null
    })()
    expect(error).toBeInstanceOf(UnknownMessageTypeError)
    expect((error as UnknownMessageTypeError).messageType).toBe(42)
  })
})
