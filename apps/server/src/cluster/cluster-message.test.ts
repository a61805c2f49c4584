import { describe, expect, it } from 'vitest'

import { type ClusterMessage, decodeClusterMessage, encodeClusterMessage, MalformedClusterMessageError } from './cluster-message.js'

describe('cluster messages', () => {
  const messages: ClusterMessage[] = [
    { type: 'update', node: 'n1', seqFrom: 3, seqTo: 9, update: new Uint8Array([1, 2, 3]) },
    { type: 'update', node: 'n1', seqFrom: 1, seqTo: 1, update: new Uint8Array() },
    { type: 'awareness', node: 'n2', owner: 'u:alice', update: new Uint8Array([0, 1]) },
    { type: 'awareness-query', node: 'n3' },
    { type: 'deleted', node: 'n3' },
    { type: 'messages', node: 'n1', lastId: 123456789 },
    { type: 'leaving', node: 'n2' },
  ]

  it.each(messages)('round-trips $type', (message) => {
    expect(decodeClusterMessage(encodeClusterMessage(message))).toEqual(message)
  })

  it.each([
    ['empty', new Uint8Array()],
    ['unknown type', new Uint8Array([99, 1, 65])],
    ['truncated', encodeClusterMessage(messages[0]!).slice(0, 6)],
    ['trailing bytes', new Uint8Array([...encodeClusterMessage(messages[3]!), 0])],
    ['empty node id', new Uint8Array([3, 0])],
    ['a range that runs backwards', encodeClusterMessage({ type: 'update', node: 'n', seqFrom: 5, seqTo: 4, update: new Uint8Array() })],
  ])('refuses %s', (_what, bytes) => {
    expect(() => decodeClusterMessage(bytes)).toThrow(MalformedClusterMessageError)
  })
})
