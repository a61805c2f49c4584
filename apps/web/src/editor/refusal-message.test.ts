import { CloseCode } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'

import { refusalMessage } from './refusal-message.js'

describe('refusalMessage', () => {
  it('says that an administrator deleted the document', () => {
    expect(refusalMessage(CloseCode.RoomDeleted, 'notes')).toEqual({
      title: 'This document was deleted',
      body: expect.stringContaining('“notes”'),
    })
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
