import type { DocumentConnectionState } from '@tandem/client'
import { describe, expect, it } from 'vitest'

import { statusText } from './status-text.js'

const base: DocumentConnectionState = {
  status: 'live',
  saved: true,
  unsavedChanges: 0,
  nextAttemptAt: null,
  refused: null,
  access: 'write',
  rateLimited: false,
  deviceOnline: true,
}

describe('statusText', () => {
  it('says nothing about saving until you changed something', () => {
    expect(statusText(base, false, 0)).toMatchObject({ connection: 'Live', save: null })
    expect(statusText({ ...base, status: 'connecting' }, false, 0)).toMatchObject({ connection: 'Connecting…', save: null })
  })

  it('says Saving… while the server has not confirmed a change, and Saved once it has', () => {
    expect(statusText({ ...base, saved: false }, true, 0).save).toBe('Saving…')
    expect(statusText(base, true, 0).save).toBe('Saved')
  })

  it('says the server cannot be reached while the device is online, calls unconfirmed changes unsaved, and counts down to the next attempt', () => {
    const unreachable = { ...base, status: 'offline' as const, saved: false, unsavedChanges: 3, nextAttemptAt: 10_500 }
    const text = statusText(unreachable, true, 8_000)
    expect(text).toMatchObject({ connection: 'Can’t reach server', save: '3 changes not saved yet' })
    expect(statusText({ ...unreachable, unsavedChanges: 1 }, true, 8_000).save).toBe('1 change not saved yet')
    expect(text.detail).toMatch(/server does not answer, retrying in 3 s/)
  })

  it('says the server is busy when it asked the page to slow down (4429), and still counts down', () => {
    const limited = { ...base, status: 'offline' as const, rateLimited: true, nextAttemptAt: 20_000 }
    const text = statusText(limited, false, 8_000)
    expect(text).toMatchObject({ connection: 'Server busy', short: 'Server busy' })
    expect(text.detail).toMatch(/asked this page to slow down.*retrying in 12 s/)
  })

  it('counts changes an earlier visit left unsaved, before anything is typed on this page', () => {
    const reopened = { ...base, status: 'offline' as const, saved: false, unsavedChanges: 2, deviceOnline: false }
    expect(statusText(reopened, false, 0)).toMatchObject({ connection: 'You’re offline', save: '2 changes not saved yet' })
  })

  it('says you are offline when the device has no network', () => {
    const offline = { ...base, status: 'offline' as const, deviceOnline: false }
    expect(statusText(offline, false, 0)).toMatchObject({
      connection: 'You’re offline',
      detail: expect.stringMatching(/^This device has no network/),
    })
  })

  it('says it in a few words for a phone: the save state while live, else why not live', () => {
    const shorts = [
      statusText(base, false, 0),
      statusText({ ...base, saved: false, unsavedChanges: 1 }, true, 0),
      statusText({ ...base, status: 'offline', deviceOnline: false }, false, 0),
      statusText({ ...base, status: 'offline', saved: false, unsavedChanges: 1, deviceOnline: false }, true, 0),
      statusText({ ...base, status: 'offline', saved: false, unsavedChanges: 1 }, true, 0),
      statusText({ ...base, status: 'connecting' }, false, 0),
    ].map((text) => text.short)
    expect(shorts).toEqual(['Live', 'Saving…', 'Offline', 'Offline, unsaved', 'Can’t connect, unsaved', 'Connecting…'])
  })

  it('explains a refusal', () => {
    const refused = { ...base, status: 'offline' as const, refused: { code: 4404, reason: 'room deleted' } }
    expect(statusText(refused, false, 0)).toMatchObject({
      connection: 'Disconnected',
      detail: 'The server closed this document: room deleted',
    })
  })
})
