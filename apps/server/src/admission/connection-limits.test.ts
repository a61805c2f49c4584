import { describe, expect, it } from 'vitest'

import { AdmissionError } from '../auth/upgrade-guard.js'
import { ConnectionLimits } from './connection-limits.js'

const refusal = (action: () => unknown): { status: number; code: string } | null => {
  try {
    action()
    return null
  } catch (error) {
    if (!(error instanceof AdmissionError)) throw error
    return { status: error.status, code: error.code }
  }
}

describe('ConnectionLimits', () => {
  it('caps connections per address, frees a slot once however often it is released, and forgets idle addresses', () => {
    const limits = new ConnectionLimits({ maxConnectionsPerAddress: 2, maxPendingUpgrades: 10, maxNewRoomsPerMinute: 10 })
    const first = limits.connection('a')
    const second = limits.connection('a')
    expect(refusal(() => limits.connection('a'))).toEqual({ status: 429, code: 'too_many_connections' })
    const other = limits.connection('b')
    first.release()
    first.release()
    first.release()
    expect(limits.connectionsOf('a')).toBe(1)
    const third = limits.connection('a')
    expect(refusal(() => limits.connection('a'))).not.toBeNull()
    for (const slot of [second, third, other]) slot.release()
    expect(limits.usage).toEqual({ addresses: 0, connections: 0, admissions: 0, rateWindows: 0 })
  })

  it('caps admissions in progress server-wide', () => {
    const limits = new ConnectionLimits({ maxConnectionsPerAddress: 10, maxPendingUpgrades: 2, maxNewRoomsPerMinute: 10 })
    const slots = [limits.admission(), limits.admission()]
    expect(refusal(() => limits.admission())).toEqual({ status: 429, code: 'server_busy' })
    slots[0]!.release()
    slots[0]!.release()
    expect(limits.usage.admissions).toBe(1)
    limits.admission()
    expect(refusal(() => limits.admission())).not.toBeNull()
  })

  it('allows N new rooms per address in any sliding minute and drops windows that aged out', () => {
    let now = 1_000_000
    const limits = new ConnectionLimits({ maxConnectionsPerAddress: 10, maxPendingUpgrades: 10, maxNewRoomsPerMinute: 3, now: () => now })
    for (let i = 0; i < 3; i++) limits.openRoom('a')
    expect(refusal(() => limits.openRoom('a'))).toEqual({ status: 429, code: 'too_many_new_rooms' })
    limits.openRoom('b')
    now += 59_999
    expect(refusal(() => limits.openRoom('a'))).not.toBeNull()
    now += 1
    limits.openRoom('a')
    // A minute passed: b's window aged out and was dropped on the way.
    expect(limits.usage.rateWindows).toBe(1)
    // Thousands of addresses each opening a room: entries do not outlive their minute.
    for (let i = 0; i < 5000; i++) limits.openRoom(`x${i}`)
    expect(limits.usage.rateWindows).toBe(5001)
    now += 60_000
    limits.openRoom('late')
    expect(limits.usage.rateWindows).toBe(1)
  })
})
