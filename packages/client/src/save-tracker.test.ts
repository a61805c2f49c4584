import { describe, expect, it } from 'vitest'

import { SaveTracker } from './save-tracker.js'

/** A tracker on a socket that has finished the handshake. */
function liveTracker(): SaveTracker {
  const tracker = new SaveTracker()
  tracker.socketOpened()
  tracker.probeSent() // the provider's own step 1 on open
  tracker.caughtUp()
  tracker.probeAnswered()
  return tracker
}

describe('SaveTracker', () => {
  it('is saved with no local changes', () => {
    const tracker = liveTracker()
    expect(tracker.saved).toBe(true)
    expect(tracker.probeWanted).toBe(false)
  })

  it('confirms a written change only when a later probe is answered', () => {
    const tracker = liveTracker()
    tracker.localChange(true)
    expect(tracker.saved).toBe(false)
    expect(tracker.probeWanted).toBe(true)
    tracker.probeSent()
    expect(tracker.probeWanted).toBe(false)
    expect(tracker.saved).toBe(false)
    tracker.probeAnswered()
    expect(tracker.saved).toBe(true)
  })

  it('does not let the answer to an earlier probe confirm a later change', () => {
    const tracker = liveTracker()
    tracker.localChange(true)
    tracker.probeSent()
    tracker.localChange(true)
    expect(tracker.probeWanted).toBe(true)
    tracker.probeAnswered()
    expect(tracker.saved).toBe(false)
    tracker.probeSent()
    tracker.probeAnswered()
    expect(tracker.saved).toBe(true)
  })

  it('keeps changes made offline unsaved until a new socket has caught up and a probe is answered', () => {
    const tracker = liveTracker()
    tracker.socketClosed()
    tracker.localChange(false)
    tracker.localChange(false)
    tracker.socketOpened()
    tracker.probeSent() // the provider's step 1 on open: sent before the offline changes went out
    tracker.localChange(true) // typed before the server's step 1 arrived: written, but after a gap
    tracker.probeAnswered()
    expect(tracker.saved).toBe(false)
    expect(tracker.probeWanted).toBe(false)
    tracker.caughtUp()
    expect(tracker.probeWanted).toBe(true)
    tracker.probeSent()
    tracker.probeAnswered()
    expect(tracker.saved).toBe(true)
  })

  it('forgets probes of a closed socket, so their answers never arrive to confirm anything', () => {
    const tracker = liveTracker()
    tracker.localChange(true)
    tracker.probeSent()
    tracker.socketClosed()
    expect(tracker.probesInFlight).toBe(0)
    tracker.socketOpened()
    tracker.probeSent()
    tracker.probeAnswered()
    expect(tracker.saved).toBe(false)
    tracker.caughtUp()
    tracker.probeSent()
    tracker.probeAnswered()
    expect(tracker.saved).toBe(true)
  })

  it('keeps what was confirmed when a socket closes afterwards', () => {
    const tracker = liveTracker()
    tracker.localChange(true)
    tracker.probeSent()
    tracker.probeAnswered()
    tracker.socketClosed()
    expect(tracker.saved).toBe(true)
  })

  it('ignores a stray answer with no probe outstanding', () => {
    const tracker = liveTracker()
    tracker.localChange(true)
    tracker.probeAnswered()
    expect(tracker.saved).toBe(false)
  })
})
