/**
 * What nodes of a cluster tell each other over Redis, and its binary form (lib0 encoding: a type,
 * the sending node's id, then the fields of that type). Every message names its sender, so a node
 * skips its own (Redis delivers a publisher's messages to its own subscriptions too).
 *
 * On a room's channel:
 * - `update`: rows `seqFrom`..`seqTo` of the room's log, committed by the sender, merged into one
 *   Yjs update; empty when they were too large to send, and the receivers read them from the store.
 * - `awareness`: an awareness update of the sender's connections, with the key of the person who
 *   owns its entries (see `Room.ownerKey`), so another node can tell a reconnecting owner from a thief.
 * - `awareness-query`: the sender just loaded the room; the others answer with their entries.
 * - `deleted`: the room was deleted; every node closes its connections.
 *
 * On the cluster's control channel:
 * - `messages`: channel messages up to id `lastId` are committed; hubs read what they have not seen.
 * - `leaving`: the sender is shutting down; its awareness entries go at once.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

export type ClusterMessage =
  | { type: 'update'; node: string; seqFrom: number; seqTo: number; update: Uint8Array }
  | { type: 'awareness'; node: string; owner: string; update: Uint8Array }
  | { type: 'awareness-query'; node: string }
  | { type: 'deleted'; node: string }
  | { type: 'messages'; node: string; lastId: number }
  | { type: 'leaving'; node: string }

const CODES = { update: 1, awareness: 2, 'awareness-query': 3, deleted: 4, messages: 5, leaving: 6 } as const
const TYPES = Object.fromEntries(Object.entries(CODES).map(([type, code]) => [code, type])) as Record<number, ClusterMessage['type']>

/** Longest node id or owner key a message may carry. */
const MAX_NAME_LENGTH = 256

/** Thrown for bytes that are not a cluster message; the receiver drops and counts them. */
export class MalformedClusterMessageError extends Error {
  override name = 'MalformedClusterMessageError'
}

export function encodeClusterMessage(message: ClusterMessage): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, CODES[message.type])
  encoding.writeVarString(encoder, message.node)
  switch (message.type) {
    case 'update':
      encoding.writeVarUint(encoder, message.seqFrom)
      encoding.writeVarUint(encoder, message.seqTo)
      encoding.writeVarUint8Array(encoder, message.update)
      break
    case 'awareness':
      encoding.writeVarString(encoder, message.owner)
      encoding.writeVarUint8Array(encoder, message.update)
      break
    case 'messages':
      encoding.writeVarUint(encoder, message.lastId)
      break
    case 'awareness-query':
    case 'deleted':
    case 'leaving':
      break
  }
  return encoding.toUint8Array(encoder)
}

/** @throws {MalformedClusterMessageError} for anything but a whole, well-formed message. */
export function decodeClusterMessage(bytes: Uint8Array): ClusterMessage {
  try {
    const decoder = decoding.createDecoder(bytes)
    const type = TYPES[decoding.readVarUint(decoder)]
    if (!type) throw new MalformedClusterMessageError('unknown message type')
    const node = readName(decoder)
    let message: ClusterMessage
    switch (type) {
      case 'update': {
        const seqFrom = decoding.readVarUint(decoder)
        const seqTo = decoding.readVarUint(decoder)
        if (seqFrom < 1 || seqTo < seqFrom) throw new MalformedClusterMessageError('bad sequence range')
        message = { type, node, seqFrom, seqTo, update: decoding.readVarUint8Array(decoder) }
        break
      }
      case 'awareness':
        message = { type, node, owner: readName(decoder), update: decoding.readVarUint8Array(decoder) }
        break
      case 'messages':
        message = { type, node, lastId: decoding.readVarUint(decoder) }
        break
      case 'awareness-query':
      case 'deleted':
      case 'leaving':
        message = { type, node }
        break
    }
    if (decoding.hasContent(decoder)) throw new MalformedClusterMessageError('trailing bytes')
    return message
  } catch (error) {
    if (error instanceof MalformedClusterMessageError) throw error
    throw new MalformedClusterMessageError(`undecodable cluster message: ${String(error)}`)
  }
}

function readName(decoder: decoding.Decoder): string {
  const name = decoding.readVarString(decoder)
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) throw new MalformedClusterMessageError('bad node id or owner key')
  return name
}
