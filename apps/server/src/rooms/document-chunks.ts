/**
 * A document as a sequence of small updates that can be applied one by one, each with every
 * dependency in an earlier one. Loading a large document is one Yjs call that nothing interrupts
 * (~450 ms for 400,000 structs here); applied chunk by chunk, a few per event-loop turn, the same
 * work leaves the loop free in between. Computed in the mirror worker from a loaded copy.
 *
 * Each struct depends on the structs its origin, right origin and parent name. Chunks list structs
 * in an order where those come first (the way Yjs itself integrates an update: per client, jumping
 * to another client when a struct needs it), so applying them never leaves anything pending. The
 * delete set, and whatever the document itself holds pending, come last.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

type Struct = Y.Item | Y.GC

/** One client's consecutive structs within a chunk. */
interface Run {
  clock: number
  structs: Struct[]
}

/** `doc` as updates (V1) of at most `maxStructs` structs each, in an order that applies without pending. */
export function documentChunks(doc: Y.Doc, maxStructs: number): Uint8Array[] {
  const lists = doc.store.clients as Map<number, Struct[]>
  const next = new Map<number, number>()
  const chunks: Uint8Array[] = []
  let runs = new Map<number, Run>()
  let inChunk = 0

  /** Clock up to which `client`'s structs are emitted. */
  const emittedUpTo = (client: number): number => {
    const list = lists.get(client)
    if (!list) return Number.POSITIVE_INFINITY
    const index = next.get(client) ?? 0
    return index < list.length ? list[index]!.id.clock : Y.getState(doc.store, client)
  }

  /** The first struct `struct` needs that is not emitted yet, if any. */
  const waitingOn = (struct: Struct): Y.ID | null => {
    if (!(struct instanceof Y.Item)) return null
    const parentItem = struct.parent instanceof Y.AbstractType ? struct.parent._item : null
    for (const id of [struct.origin, struct.rightOrigin, parentItem?.id ?? null]) {
      if (id && id.client !== struct.id.client && emittedUpTo(id.client) <= id.clock) return id
    }
    return null
  }

  const emit = (client: number, struct: Struct): void => {
    let run = runs.get(client)
    if (!run) {
      run = { clock: struct.id.clock, structs: [] }
      runs.set(client, run)
    }
    run.structs.push(struct)
    if (++inChunk >= maxStructs) flush()
  }

  const flush = (): void => {
    if (inChunk === 0) return
    chunks.push(encodeRuns(runs))
    runs = new Map()
    inChunk = 0
  }

  for (const start of lists.keys()) {
    // Emit `client`'s structs until its clock passes `until`, first emitting what each one needs.
    const stack: Array<{ client: number; until: number }> = [{ client: start, until: Number.POSITIVE_INFINITY }]
    const stacked = new Set([start])
    while (stack.length > 0) {
      const { client, until } = stack[stack.length - 1]!
      const list = lists.get(client)!
      const index = next.get(client) ?? 0
      if (index >= list.length || emittedUpTo(client) > until) {
        stack.pop()
        stacked.delete(client)
        continue
      }
      const struct = list[index]!
      const needed = waitingOn(struct)
      // Structs made in causal order never wait on a client that already waits on them; if one did,
      // it is emitted anyway and Yjs holds it pending until the rest arrives, as for any update.
      if (needed && lists.has(needed.client) && !stacked.has(needed.client)) {
        stack.push({ client: needed.client, until: needed.clock })
        stacked.add(needed.client)
        continue
      }
      emit(client, struct)
      next.set(client, index + 1)
    }
  }
  flush()
  // Every struct is in place: now what was deleted, and what the document holds back.
  chunks.push(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc)))
  if (doc.store.pendingStructs) chunks.push(Y.convertUpdateFormatV2ToV1(doc.store.pendingStructs.update))
  if (doc.store.pendingDs) chunks.push(Y.convertUpdateFormatV2ToV1(doc.store.pendingDs))
  return chunks
}

/** The V1 encoding of `runs` with an empty delete set, as Yjs writes an update. */
function encodeRuns(runs: Map<number, Run>): Uint8Array {
  const encoder = new Y.UpdateEncoderV1()
  encoding.writeVarUint(encoder.restEncoder, runs.size)
  for (const [client, run] of runs) {
    encoding.writeVarUint(encoder.restEncoder, run.structs.length)
    encoder.writeClient(client)
    encoding.writeVarUint(encoder.restEncoder, run.clock)
    for (const struct of run.structs) struct.write(encoder, 0)
  }
  encoding.writeVarUint(encoder.restEncoder, 0)
  return encoder.toUint8Array()
}
