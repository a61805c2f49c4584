import { decodeCollabMessage, encodeSyncStep1, encodeSyncUpdate, MessageType, SyncStep } from '@tandem/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import type { StoredDocument } from '../storage/document-store.js'
import { eventually } from '../test-support/eventually.js'
import { FakeClient } from '../test-support/fake-client.js'
import { insertsAtStart } from '../test-support/inserts-at-start.js'
import { memoryWriter } from '../test-support/memory-writer.js'
import { DocumentMirrors } from './document-mirrors.js'
import { IntegrationProbe } from './integration-probe.js'
import { Room, type RoomDeps } from './room.js'
import type { UpdateWriter } from './update-writer.js'

const closing: Array<{ close(): Promise<void> }> = []
const rooms: Room[] = []

afterEach(async () => {
  for (const room of rooms.splice(0)) room.destroy()
  await Promise.all(closing.splice(0).map((service) => service.close()))
})

/** A room that mirrors its document from 1,000 structs on. */
function setup(deps: Partial<RoomDeps> = {}, stored: StoredDocument | null = null) {
  const { store, writer } = memoryWriter()
  const mirrors = new DocumentMirrors()
  closing.push(mirrors)
  const room = new Room('doc', stored, { writer, mirrors, mirrorStructs: 1000, ...deps })
  rooms.push(room)
  return { room, writer, store, mirrors }
}

/** An editor that sent the room 3,000 unmergeable characters: over the threshold, once stored. */
async function largeDocument(room: Room, writer: UpdateWriter): Promise<FakeClient> {
  const editor = new FakeClient('editor')
  room.add(editor)
  const update = insertsAtStart(3000, 7)
  Y.applyUpdate(editor.doc, update)
  room.receive(editor, encodeSyncUpdate(update))
  await writer.flushed()
  return editor
}

/** A new client that asked the room for everything and got its answer. */
async function freshReader(room: Room, writer: UpdateWriter): Promise<FakeClient> {
  const reader = new FakeClient('reader')
  room.add(reader)
  room.receive(reader, encodeSyncStep1(Y.encodeStateVector(reader.doc)))
  await writer.flushed()
  await eventually(() => expect(answersTo(reader)).toHaveLength(1))
  reader.deliver()
  return reader
}

function answersTo(client: FakeClient): Uint8Array[] {
  return client.inbox.flatMap((frame) => {
    const message = decodeCollabMessage(frame)
    return message.type === MessageType.Sync && message.step === SyncStep.Step2 ? [message.data] : []
  })
}

describe('Room with document mirrors', () => {
  it('answers a fresh client of a large document from its mirror; edits made meanwhile reach it too', async () => {
    const { room, writer, mirrors } = setup()
    const editor = await largeDocument(room, writer)
    const reader = new FakeClient('reader')
    room.add(reader)
    reader.inbox.length = 0
    room.receive(reader, encodeSyncStep1(Y.encodeStateVector(reader.doc)))
    await writer.flushed()
    // Typed while the worker encodes the answer: relayed as an update, possibly before the answer.
    room.receive(editor, editor.typed(0, 'late '))
    await writer.flushed()
    await eventually(() => expect(answersTo(reader)).toHaveLength(1))
    reader.deliver()
    expect(reader.doc.getText('t').toString()).toBe(room.doc.getText('t').toString())
    expect(reader.doc.getText('t').toString().startsWith('late ')).toBe(true)
    expect(mirrors.counters).toMatchObject({ seeded: 1, lost: 0 })
    expect(mirrors.counters.encoded).toBeGreaterThanOrEqual(1)
  })

  it('encodes one answer for many connections asking the same at once, and answers each step 1 in order', async () => {
    const { room, writer, mirrors } = setup()
    await largeDocument(room, writer)
    const readers = Array.from({ length: 20 }, (_, i) => new FakeClient(`r${i}`))
    for (const reader of readers) {
      room.add(reader)
      reader.inbox.length = 0
      room.receive(reader, encodeSyncStep1(Y.encodeStateVector(reader.doc)))
      room.receive(reader, encodeSyncStep1(Y.encodeStateVector(reader.doc)))
    }
    await writer.flushed()
    await eventually(() => expect(readers.map((reader) => answersTo(reader).length)).toEqual(readers.map(() => 2)))
    for (const reader of readers) {
      reader.deliver()
      expect(reader.doc.getText('t').length).toBe(3000)
    }
    // One seed's worth of encoding for the room, then one shared answer (the second step 1s are repeats).
    expect(mirrors.counters.encoded).toBe(1)
  })

  it('mirrors a large stored document from the stored bytes as it loads', async () => {
    const stored: StoredDocument = { snapshot: insertsAtStart(2000, 3), updates: [insertsAtStart(10, 4)], lastSeq: 1 }
    const { room, writer, mirrors } = setup({}, stored)
    expect(mirrors.counters.seeded).toBe(1)
    const reader = await freshReader(room, writer)
    expect(reader.doc.getText('t').length).toBe(2010)
    expect(mirrors.counters.encoded).toBe(1)
  })

  it('leaves a small document to the main thread', async () => {
    const { room, writer, mirrors } = setup()
    const a = new FakeClient('a')
    room.add(a)
    room.receive(a, a.typed(0, 'small'))
    room.receive(a, encodeSyncStep1(Y.encodeStateVector(new Y.Doc())))
    await writer.flushed()
    // The answer may wait a turn for the encode budget (a loaded machine makes encodings slower).
    await eventually(() => expect(answersTo(a)).toHaveLength(1))
    expect(mirrors.counters).toMatchObject({ seeded: 0, encoded: 0 })
  })

  it('answers on the main thread when the mirrors are gone', async () => {
    const { room, writer, mirrors } = setup()
    await largeDocument(room, writer)
    await mirrors.close()
    const reader = await freshReader(room, writer)
    expect(reader.doc.getText('t').length).toBe(3000)
  })

  it('encodeWhole includes every change made before the call, from the mirror', async () => {
    const { room, writer, mirrors } = setup()
    const editor = await largeDocument(room, writer)
    // Crossed the threshold: the next whole encoding seeds the mirror (and asks it), later ones only ask it.
    await room.encodeWhole()
    room.receive(editor, editor.typed(0, 'just now '))
    const whole = await room.encodeWhole()
    const copy = new Y.Doc()
    Y.applyUpdate(copy, whole)
    expect(copy.getText('t').toString()).toBe(room.doc.getText('t').toString())
    expect(mirrors.counters).toMatchObject({ seeded: 1, encoded: 2 })
  })

  it('catches the integration probe up from the mirror, not from an encoding on the main thread', async () => {
    const probe = new IntegrationProbe({ maxIntegrationMs: 1000 })
    closing.push(probe)
    const { room, writer, mirrors } = setup({ probe, directIntegrationSteps: 0 })
    const editor = new FakeClient('editor')
    room.add(editor)
    room.receive(editor, encodeSyncUpdate(insertsAtStart(3000, 7)))
    await eventually(() => expect(room.doc.getText('t').length).toBe(3000))
    await writer.flushed()
    // Mirrored from here on (the document is over 1,000 structs); the next measurement uses it.
    await room.encodeWhole()
    const before = mirrors.counters.encoded
    room.receive(editor, editor.typed(0, 'measured'))
    await eventually(() => expect(room.doc.getText('t').length).toBe(3008))
    expect(mirrors.counters.encoded).toBeGreaterThan(before)
    expect(probe.counters.measured).toBeGreaterThanOrEqual(2)
  })
})
