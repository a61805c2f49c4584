/** Well-formed frames the limit checks need, built with the protocol's own encoders. */
import { encodeAwarenessFrame, encodeChannelFrame } from '@tandem/protocol'
import * as encoding from 'lib0/encoding'

/** One awareness entry: a client id, its clock and its state as JSON text (`null` removes it). */
export interface AwarenessEntry {
  client: number
  clock: number
  state: string
}

/** An awareness frame carrying `entries`, as y-protocols' `encodeAwarenessUpdate` lays them out. */
export function awarenessFrame(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const { client, clock, state } of entries) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, clock)
    encoding.writeVarString(encoder, state)
  }
  return encodeAwarenessFrame(encoding.toUint8Array(encoder))
}

/** A cursor-sized awareness state for `name`. */
export function userState(name: string): string {
  return JSON.stringify({ user: { name, color: '#30bced' }, cursor: null })
}

/** A channel subscribe frame for a document socket, padded with JSON whitespace to `bytes` if given. */
export function subscribeFrame(channels: string[], options: { since?: number; bytes?: number } = {}): Uint8Array {
  const json = JSON.stringify({ type: 'subscribe', channels, ...(options.since === undefined ? {} : { since: options.since }) })
  return encodeChannelFrame(options.bytes ? json.padEnd(options.bytes, ' ') : json)
}
