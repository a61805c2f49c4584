/**
 * The page's current identity, shared by the header (where it is edited) and the editor (which
 * announces it to others). Follows changes made in other tabs through the `storage` event, so
 * renaming yourself in one tab renames you everywhere.
 */
import { type Identity, IDENTITY_STORAGE_KEY, loadIdentity, parseIdentity, saveIdentity } from './identity.js'

/** Holds the identity and tells subscribers when it changes. */
export interface IdentityStore {
  get(): Identity
  /** Change and persist the identity. */
  set(identity: Identity): void
  /** Call `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: (identity: Identity) => void): () => void
}

/** `localStorage`, or a stand-in for this page when the browser refuses it (storage disabled). */
function browserStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  try {
    return window.localStorage
  } catch {
    const memory = new Map<string, string>()
    return { getItem: (key) => memory.get(key) ?? null, setItem: (key, value) => void memory.set(key, value) }
  }
}

/** The identity store of this browser's `localStorage`. */
export function createIdentityStore(storage: Pick<Storage, 'getItem' | 'setItem'> = browserStorage()): IdentityStore {
  let current = loadIdentity(storage)
  const listeners = new Set<(identity: Identity) => void>()
  const publish = (identity: Identity): void => {
    if (identity.name === current.name && identity.color === current.color) return
    current = identity
    for (const listener of listeners) listener(identity)
  }
  window.addEventListener('storage', (event) => {
    if (event.key !== IDENTITY_STORAGE_KEY) return
    const changed = parseIdentity(event.newValue)
    if (changed) publish(changed)
  })
  return {
    get: () => current,
    set(identity) {
      saveIdentity(storage, identity)
      publish(identity)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
