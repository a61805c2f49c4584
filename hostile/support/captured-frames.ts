/**
 * Real y-websocket traffic to mutate: a stock client edits a document (text with formatting, maps,
 * arrays, XML elements as y-prosemirror makes them, a subdocument) and sets awareness, while a
 * recording `WebSocket` keeps every frame it sends and receives. Fuzzing mutations of real frames
 * reaches deeper into the decoders than random bytes, which mostly fail at the first varint.
 */
import { eventually } from '@tandem/server/src/test-support/eventually.js'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

/** Frames of one editing session, in order. */
export interface CapturedFrames {
  sent: Uint8Array[]
  received: Uint8Array[]
}

/**
 * Edit `room` on `collabUrl` with a stock client and return every frame that passed.
 * @example
 * const frames = await captureEditingSession(server.collabUrl, 'capture')
 */
export async function captureEditingSession(collabUrl: string, room: string): Promise<CapturedFrames> {
  const captured: CapturedFrames = { sent: [], received: [] }
  class RecordingWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args)
      this.on('message', (data: Buffer) => captured.received.push(new Uint8Array(data)))
    }

    override send(data: unknown, ...rest: unknown[]): void {
      captured.sent.push(new Uint8Array(data as ArrayBufferLike).slice())
      ;(super.send as (...args: unknown[]) => void)(data, ...rest)
    }
  }
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(collabUrl, room, doc, {
    WebSocketPolyfill: RecordingWebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  })
  try {
    await eventually(() => {
      if (!provider.synced) throw new Error('the capturing client has not synced')
    })
    edit(doc, provider)
    // Everything it sent came back to nobody, but the server must have stored it: wait for a reader.
    const reader = new Y.Doc()
    const readerProvider = new WebsocketProvider(collabUrl, room, reader, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    })
    try {
      await eventually(() => {
        if (reader.getText('t').toString() !== doc.getText('t').toString()) throw new Error('the reader has not caught up')
      })
    } finally {
      readerProvider.destroy()
      reader.destroy()
    }
    provider.awareness.setLocalState(null)
  } finally {
    provider.destroy()
    doc.destroy()
  }
  return captured
}

/** The editing session: every kind of content Yjs encodes differently. */
function edit(doc: Y.Doc, provider: WebsocketProvider): void {
  const text = doc.getText('t')
  provider.awareness.setLocalStateField('user', { name: 'Capture', color: '#30bced' })
  text.insert(0, 'Hello, world! ')
  text.insert(7, 'hostile ', { bold: true })
  text.format(0, 5, { italic: true, link: { href: 'https://example.com' } })
  text.insertEmbed(3, { image: 'data:,x' })
  text.delete(2, 3)
  text.insert(text.length, 'ünïcödé ☃ 𝄞 ')
  provider.awareness.setLocalStateField('cursor', { anchor: 3, head: 9 })
  const map = doc.getMap('meta')
  map.set('title', 'A document')
  map.set('count', 42)
  map.set('ratio', 0.5)
  map.set('flags', [true, false, null])
  map.set('nested', { a: { b: [1, 'two', { three: 3 }] } })
  map.set('bytes', new Uint8Array([1, 2, 3, 255]))
  map.set('big', -(2 ** 40))
  map.delete('ratio')
  const array = doc.getArray('list')
  array.insert(0, [1, 'two', { three: 3 }])
  const inner = new Y.Map<unknown>()
  inner.set('k', 'v')
  array.push([inner, new Y.Text('inner text')])
  array.delete(0, 1)
  const fragment = doc.getXmlFragment('prosemirror')
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.setAttribute('align', 'left')
  paragraph.insert(0, [new Y.XmlText('prose')])
  const heading = new Y.XmlElement('heading')
  heading.setAttribute('level', '2')
  fragment.insert(0, [heading, paragraph])
  doc.getArray('hooks').insert(0, [new Y.XmlHook('hook')])
  doc.getMap('subdocs').set('child', new Y.Doc({ guid: 'child-doc' }))
  doc.transact(() => {
    for (let i = 0; i < 50; i++) text.insert((i * 7) % (text.length + 1), String.fromCharCode(97 + (i % 26)))
  })
  text.insert(text.length, 'x'.repeat(2000))
  text.delete(10, 1500)
  provider.awareness.setLocalStateField('cursor', null)
}
