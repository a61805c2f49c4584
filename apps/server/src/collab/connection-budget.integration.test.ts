import { CloseCode, encodeAwarenessFrame, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate, MessageType } from '@tandem/protocol'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { mintToken } from '../auth/tokens.js'
import { eventually } from '../test-support/eventually.js'
import { rawCollabSocket } from '../test-support/raw-collab-socket.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'

async function storedText(server: TestServer, room: string): Promise<string> {
  await server.registry.flushed()
  const stored = await server.store.load(room)
  const doc = new Y.Doc()
  if (stored?.snapshot) Y.applyUpdate(doc, stored.snapshot)
  for (const update of stored?.updates ?? []) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

function awarenessFrame(clientId: number, clock: number, state: unknown): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, clientId)
  encoding.writeVarUint(encoder, clock)
  encoding.writeVarString(encoder, JSON.stringify(state))
  return encodeAwarenessFrame(encoding.toUint8Array(encoder))
}

/** About `bytes` of document, written as many small edits by several clients (many structs, like real text). */
function largeDocument(bytes: number): Uint8Array {
  const doc = new Y.Doc()
  const authors = [1, 2, 3].map((clientID) => Object.assign(new Y.Doc(), { clientID }))
  for (let round = 0; Y.encodeStateAsUpdate(doc).byteLength < bytes; round++) {
    const author = authors[round % authors.length]!
    Y.applyUpdate(author, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(author)))
    const text = author.getText('t')
    for (let i = 0; i < 50; i++) text.insert((i * 31 + round) % (text.length + 1), `w${i} `)
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(author, Y.encodeStateVector(doc)))
  }
  return Y.encodeStateAsUpdate(doc)
}

describe('per-connection budgets', () => {
  it('stops handling the frames of a connection it already refused, even ones that arrived together', async () => {
    const server = await startTestServer()
    const writer = await connectClient(server, 'victim')
    writer.text.insert(0, 'precious')
    await eventually(async () => expect(await storedText(server, 'victim')).toBe('precious'))

    const attacker = await rawCollabSocket(server, 'victim')
    const smuggled = new Y.Doc()
    smuggled.getText('t').insert(0, 'SMUGGLED ')
    attacker.sendTogether([encodeSyncUpdate(Uint8Array.from([200, 1, 5, 9, 9, 9, 9])), encodeSyncUpdate(Y.encodeStateAsUpdate(smuggled))])
    expect((await attacker.closed).code).toBe(CloseCode.InvalidUpdate)
    writer.text.insert(writer.text.length, '!')
    await eventually(async () => expect(await storedText(server, 'victim')).toBe('precious!'))
    expect(writer.text.toString()).toBe('precious!')
  })

  it('survives a burst of 2,000 sync step 1s against a 300 KB document: bounded memory, 4429, editing goes on', async () => {
    // The document arrives as one update of more parts than MAX_UPDATE_STRUCTS' default allows, and
    // takes longer to integrate (~60 ms) than MAX_INTEGRATION_MS' default.
    const server = await startTestServer({ maxUpdateStructs: 1_000_000, maxIntegrationMs: 10_000 })
    const seed = await rawCollabSocket(server, 'big')
    seed.ws.send(encodeSyncStep2(largeDocument(300_000)))
    const editor = await connectClient(server, 'big')
    await eventually(() => expect(editor.text.length).toBeGreaterThan(10_000))

    const rssBefore = process.memoryUsage().rss
    let rssPeak = rssBefore
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5)
    const attacker = await rawCollabSocket(server, 'big')
    const step1 = encodeSyncStep1(Uint8Array.from([0]))
    for (let i = 0; i < 2000; i++) attacker.ws.send(step1)
    const { code } = await attacker.closed
    editor.text.insert(0, 'still here ')
    const watcher = await connectClient(server, 'big')
    await eventually(() => expect(watcher.text.toString().startsWith('still here ')).toBe(true))
    clearInterval(sampler)

    expect(code).toBe(CloseCode.RateLimited)
    // Before: every step 1 encoded the whole document at once and held it: ~700 MB for this burst.
    expect((rssPeak - rssBefore) / 1e6).toBeLessThan(150)
    // At most a couple of full answers went out (the ones due before the connection was cut).
    const answerBytes = attacker.received
      .filter((frame) => frame[0] === MessageType.Sync && frame[1] === 1)
      .reduce((sum, frame) => sum + frame.byteLength, 0)
    expect(answerBytes).toBeLessThan(3 * 300_000 * 1.2)
  })

  it('closes a connection that sends more bytes per second than its budget', async () => {
    const server = await startTestServer({ maxInboundBytesPerSecond: 4096, maxFrameBytes: 4096 })
    const client = await rawCollabSocket(server, 'bytes')
    // Each frame is a legitimate ~2 KB awareness state for the connection's own id.
    for (let clock = 1; clock <= 10; clock++) client.ws.send(awarenessFrame(7, clock, { note: 'x'.repeat(2000) }))
    const { code, reason } = await client.closed
    expect(code).toBe(CloseCode.RateLimited)
    expect(reason).toMatch(/bytes per second/)
    expect((await connectClient(server, 'bytes')).provider.wsconnected).toBe(true)
  })

  it('does not cut off a stock client for echoing the awareness flood of others', async () => {
    const server = await startTestServer({ maxMessagesPerSecond: 20 })
    const bystander = await connectClient(server, 'busy')
    const senders = await Promise.all([1, 2, 3].map(() => rawCollabSocket(server, 'busy')))
    // Each sender stays within its own burst of 40; together they make the bystander echo 90 frames.
    senders.forEach((sender, i) => {
      for (let clock = 1; clock <= 30; clock++) sender.ws.send(awarenessFrame(100 + i, clock, { cursor: clock }))
    })
    await eventually(() => expect(bystander.provider.awareness.getStates().get(102)).toEqual({ cursor: 30 }))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(bystander.provider.wsconnected).toBe(true)
    bystander.text.insert(0, 'unbothered')
    await eventually(async () => expect(await storedText(server, 'busy')).toBe('unbothered'))
  })

  it('lets a stock client join a room whose awareness states add up to more than one frame may carry', async () => {
    const server = await startTestServer({ maxAwarenessStateBytes: 65_536 })
    const holders = await Promise.all([0, 1, 2, 3, 4].map(() => rawCollabSocket(server, 'crowded')))
    holders.forEach((holder, h) => {
      for (let k = 0; k < 4; k++)
        holder.ws.send(awarenessFrame(1000 + h * 4 + k, 1, { user: { name: `holder ${h}` }, pad: 'p'.repeat(60_000) }))
    })
    await eventually(() => expect(server.registry.get('crowded')?.awareness.getStates().size).toBe(20))
    // 20 states of 60 KB: 1.2 MB, more than MAX_FRAME_BYTES. A stock client sends what it receives
    // straight back, so one frame of them all would come back too big and close it with 1009.
    const joiner = await connectClient(server, 'crowded')
    await eventually(() => expect(joiner.provider.awareness.getStates().size).toBeGreaterThanOrEqual(20))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(joiner.provider.wsconnected).toBe(true)
    joiner.text.insert(0, 'joined')
    await eventually(async () => expect(await storedText(server, 'crowded')).toBe('joined'))
  })

  it('closes a connection that keeps sending what it is refused', async () => {
    const server = await startTestServer({ maxRejectedMessages: 20 })
    const client = await rawCollabSocket(server, 'refused')
    // A state must be a JSON object: each of these is refused, and none of them is applied.
    for (let clock = 1; clock <= 40; clock++) client.ws.send(awarenessFrame(9, clock, 42))
    const { code, reason } = await client.closed
    expect(code).toBe(CloseCode.RateLimited)
    expect(reason).toMatch(/refused messages per minute/)
    expect(server.registry.get('refused')?.awareness.getStates().has(9)).toBe(false)
  })

  it('cuts off a read-only connection that keeps sending edits, but not for its handshake', async () => {
    const secret = 'connection-budget-test-secret-0123456789'
    const server = await startTestServer({ authSecret: secret, maxRejectedMessages: 10 })
    const readerToken = await mintToken({ sub: 'r', name: 'Reader', rooms: { notes: 'read' } }, secret, 300)
    const reader = await connectClient(server, 'notes', { token: readerToken })
    const closed = new Promise<number>((resolve) =>
      reader.provider.once('connection-close', (event: { code: number } | null) => resolve(event?.code ?? 0)),
    )
    // Connecting (its step 2 reply carries no edit) and 10 edits are within the allowance...
    for (let i = 0; i < 10; i++) reader.text.insert(0, `${i}`)
    await eventually(() => expect(server.registry.get('notes')?.droppedUpdates).toBeGreaterThanOrEqual(11))
    expect(reader.provider.wsconnected).toBe(true)
    // ...one more refused edit within the minute is not.
    reader.text.insert(0, 'x')
    expect(await closed).toBe(CloseCode.RateLimited)
  })

  it('refuses a few bytes declaring 30 million structs before Yjs allocates for them', async () => {
    const server = await startTestServer()
    const client = await rawCollabSocket(server, 'bomb')
    const bomb = encoding.createEncoder()
    encoding.writeVarUint(bomb, 1) // one client
    encoding.writeVarUint(bomb, 30_000_000) // structs: Y.applyUpdate allocates an array this long first
    encoding.writeVarUint(bomb, 1) // client id
    encoding.writeVarUint(bomb, 0) // clock
    client.ws.send(encodeSyncUpdate(encoding.toUint8Array(bomb)))
    const { code, reason } = await client.closed
    expect(code).toBe(CloseCode.InvalidUpdate)
    expect(reason).toMatch(/implausible document update: declares 30000000 structs/)
  })

  it('closes a connection whose awareness ids pass the per-connection cap with 4429', async () => {
    const server = await startTestServer({ maxAwarenessIdsPerConnection: 2 })
    const client = await rawCollabSocket(server, 'ids')
    for (const id of [1, 2, 3]) client.ws.send(awarenessFrame(id, 1, { user: { name: `n${id}` } }))
    expect((await client.closed).code).toBe(CloseCode.RateLimited)
    await eventually(() => expect(server.registry.get('ids')?.awareness.getStates().size ?? 0).toBe(0))
  })
})
