/**
 * Who this browser is in shared documents: a display name and a colour, shown to others next to the
 * cursor and in avatars. Made up on first visit ("Curious Fox") and kept in `localStorage`.
 */
import type { PresentUser } from '@tandem/protocol'

import { FALLBACK_COLOR, isHexColor, PALETTE } from './palette.js'

/** A person's display name and colour (`#rrggbb`). This is the awareness `user` field's shape. */
export interface Identity {
  name: string
  color: string
}

/** The `localStorage` key holding the identity as JSON. */
export const IDENTITY_STORAGE_KEY = 'tandem.identity'

/** Longest display name, in characters. */
export const NAME_MAX_LENGTH = 40

const adjectives = [
  'Curious',
  'Brave',
  'Calm',
  'Clever',
  'Gentle',
  'Happy',
  'Keen',
  'Lively',
  'Merry',
  'Nimble',
  'Patient',
  'Quiet',
  'Sunny',
  'Swift',
  'Witty',
  'Bold',
  'Bright',
  'Cheerful',
  'Daring',
  'Eager',
] as const

const animals = [
  'Fox',
  'Otter',
  'Badger',
  'Heron',
  'Lynx',
  'Panda',
  'Owl',
  'Robin',
  'Seal',
  'Tiger',
  'Wombat',
  'Falcon',
  'Koala',
  'Hare',
  'Beaver',
  'Crane',
  'Dolphin',
  'Gecko',
  'Moose',
  'Puffin',
] as const

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length) % items.length]!
}

/** A fresh made-up identity such as `{ name: 'Curious Fox', color: '#0e7490' }`. */
export function randomIdentity(random: () => number = Math.random): Identity {
  return { name: `${pick(adjectives, random)} ${pick(animals, random)}`, color: pick(PALETTE, random) }
}

/** `name` trimmed, with runs of whitespace collapsed and cut to the maximum length; `null` if empty. */
export function cleanName(name: string): string | null {
  const cleaned = name.replace(/\s+/g, ' ').trim().slice(0, NAME_MAX_LENGTH).trim()
  return cleaned === '' ? null : cleaned
}

/** Read a stored identity; `null` when missing or malformed (e.g. edited by hand). */
export function parseIdentity(json: string | null): Identity | null {
  if (json === null) return null
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const { name, color } = value as Record<string, unknown>
  const cleaned = typeof name === 'string' ? cleanName(name) : null
  return cleaned && isHexColor(color) ? { name: cleaned, color } : null
}

/** The identity kept in `storage`, or a new one that is stored there first. */
export function loadIdentity(storage: Pick<Storage, 'getItem' | 'setItem'>, random: () => number = Math.random): Identity {
  const stored = parseIdentity(safeGet(storage))
  if (stored) return stored
  const fresh = randomIdentity(random)
  saveIdentity(storage, fresh)
  return fresh
}

/** Keep `identity` for later visits. Storage failures (private mode, quota) only lose persistence. */
export function saveIdentity(storage: Pick<Storage, 'setItem'>, identity: Identity): void {
  try {
    storage.setItem(IDENTITY_STORAGE_KEY, JSON.stringify(identity))
  } catch {
    // The identity still works for this page; it just will not be remembered.
  }
}

function safeGet(storage: Pick<Storage, 'getItem'>): string | null {
  try {
    return storage.getItem(IDENTITY_STORAGE_KEY)
  } catch {
    return null
  }
}

/** People as a server lists them, with colours safe to paint: anything but a hex colour becomes the fallback. */
export const identitiesOf = (users: readonly PresentUser[]): Identity[] =>
  users.map((user) => ({ name: user.name.trim(), color: isHexColor(user.color) ? user.color : FALLBACK_COLOR }))
