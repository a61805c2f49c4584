import { CloseCode } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'

import { refusalMessage } from './refusal-message.js'

describe('refusalMessage', () => {
  it('says the document was deleted, by an administrator when the server says so, and that it is in the trash', () => {
    expect(refusalMessage(CloseCode.RoomDeleted, 'notes')).toEqual({
      title: 'This document was deleted',
      body: expect.stringMatching(/“notes”.*trash/),
    })
    expect(refusalMessage(CloseCode.RoomDeleted, 'notes', 'deleted by an administrator')?.title).toBe(
      'This document was deleted by an administrator',
    )
  })

  it('says a document is full, and a server too', () => {
    expect(refusalMessage(CloseCode.DocumentFull, 'notes')?.title).toBe('This document is full')
    expect(refusalMessage(CloseCode.ServerFull, 'notes')?.title).toBe('This server is full')
  })

  it('tells a missing sign-in from a sign-in without access', () => {
    expect(refusalMessage(CloseCode.Unauthorized, 'notes')?.title).toMatch(/not signed in/)
    expect(refusalMessage(CloseCode.TokenExpired, 'notes')?.title).toMatch(/not signed in/)
    expect(refusalMessage(CloseCode.Forbidden, 'notes')?.title).toMatch(/do not have access/)
  })

  it('leaves other closes to the status badge', () => {
    expect(refusalMessage(4400, 'notes')).toBeNull()
    expect(refusalMessage(CloseCode.GoingAway, 'notes')).toBeNull()
  })
})
