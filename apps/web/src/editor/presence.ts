/**
 * Who is in the document, read from awareness states. Each open tab has its own awareness client,
 * so the same person in two tabs is shown once; a state without a usable `user` is skipped.
 */
import type { Identity } from '../identity/identity.js'
import { FALLBACK_COLOR, isHexColor } from '../identity/palette.js'

/** A person shown in the who-is-here list. */
export interface PresentPerson extends Identity {
  /** This browser's own user. */
  isSelf: boolean
}

/** The people in `states` (awareness client id → state), yourself first, then in order of arrival. */
export function presentPeople(states: ReadonlyMap<number, Record<string, unknown>>, selfClientId: number): PresentPerson[] {
  const people = new Map<string, PresentPerson>()
  const self = states.get(selfClientId)
  const ordered = self ? [[selfClientId, self] as const, ...[...states].filter(([id]) => id !== selfClientId)] : [...states]
  for (const [clientId, state] of ordered) {
    const user = state.user as { name?: unknown; color?: unknown } | undefined
    if (typeof user?.name !== 'string' || user.name.trim() === '') continue
    const person = {
      name: user.name.trim().slice(0, 80),
      color: isHexColor(user.color) ? user.color : FALLBACK_COLOR,
      isSelf: clientId === selfClientId,
    }
    const key = `${person.name}\u0000${person.color}`
    if (!people.has(key)) people.set(key, person)
  }
  return [...people.values()]
}
