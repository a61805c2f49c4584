import { describe, expect, it } from 'vitest'

import { isMissed, LIVE_WINDOW_MS, missedSummary } from './missed-messages.js'

describe('isMissed', () => {
  const opened = 1_000_000

  it('counts messages published while the page was open, and recently, as news', () => {
    expect(isMissed(opened, opened, opened + 10)).toBe(false)
    expect(isMissed(opened + 5_000, opened, opened + 5_050)).toBe(false)
    // Published while this page was offline for a moment, delivered on reconnect.
    expect(isMissed(opened + 5_000, opened, opened + 20_000)).toBe(false)
  })

  it('counts messages from before the page opened, or long ago, as missed', () => {
    expect(isMissed(opened - 1, opened, opened + 10)).toBe(true)
    expect(isMissed(opened + 1_000, opened, opened + 1_001 + LIVE_WINDOW_MS)).toBe(true)
  })
})

describe('missedSummary', () => {
  it('says how many, in the singular or plural', () => {
    expect(missedSummary(1).title).toBe('1 new notification')
    expect(missedSummary(3).title).toBe('3 new notifications')
    expect(missedSummary(3).text).toMatch(/^They arrived/)
  })
})
