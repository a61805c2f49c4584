import { setImmediate as nextTurn } from 'node:timers/promises'

import { describe, expect, it } from 'vitest'

import { FramePacer } from './frame-pacer.js'

/** Keep the thread busy for `ms`, as a costly frame does. */
function work(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // busy
  }
}

describe('FramePacer', () => {
  it('handles a burst a few milliseconds per turn, in order, pausing the socket until the queue drains', async () => {
    const handled: number[] = []
    const flow: string[] = []
    const pacer = new FramePacer<number>({
      handle: (frame) => {
        handled.push(frame)
        work(3)
      },
      flow: { pause: () => flow.push('pause'), resume: () => flow.push('resume') },
      msPerTurn: 10,
    })
    // Twenty frames of one TCP read, all emitted in this turn.
    for (let frame = 0; frame < 20; frame++) pacer.push(frame)
    // Before: all twenty (60 ms) in this one turn. About three fit in 10 ms; fewer when this process
    // is descheduled meanwhile (the pacer reads the clock), never many more.
    expect(handled.length).toBeGreaterThanOrEqual(1)
    expect(handled.length).toBeLessThanOrEqual(5)
    expect(flow).toEqual(['pause'])
    while (pacer.queued > 0) await nextTurn()
    expect(handled).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(flow).toEqual(['pause', 'resume'])
  })

  it('handles frames at once while they are cheap, and again at once in a later turn', async () => {
    const handled: number[] = []
    const pacer = new FramePacer<number>({ handle: (frame) => handled.push(frame), flow: { pause: () => {}, resume: () => {} } })
    for (let frame = 0; frame < 100; frame++) pacer.push(frame)
    expect(handled).toHaveLength(100)
    await nextTurn()
    pacer.push(100)
    expect(handled).toHaveLength(101)
  })

  it('drops what is queued when closed', async () => {
    const handled: number[] = []
    const pacer = new FramePacer<number>({
      handle: (frame) => {
        handled.push(frame)
        work(6)
      },
      flow: { pause: () => {}, resume: () => {} },
      msPerTurn: 10,
    })
    for (let frame = 0; frame < 10; frame++) pacer.push(frame)
    const before = handled.length
    pacer.close()
    await nextTurn()
    await nextTurn()
    expect(handled).toHaveLength(before)
  })
})
