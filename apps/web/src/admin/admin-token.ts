/**
 * Where the console keeps the administrator token. A server without `ADMIN_TOKEN` prints a sign-in
 * link `…/admin#token=<token>`: the fragment never reaches the server or its logs, and the console
 * takes the token out of it and off the address bar at once, so it does not linger in history,
 * bookmarks or a screenshot. The token lives in `sessionStorage`: it dies with the tab.
 */

/** Key of the token in `sessionStorage`. */
export const ADMIN_TOKEN_STORAGE_KEY = 'tandem.adminToken'

/** The token in a URL fragment (`#token=…`, possibly among other `key=value` pairs) and the fragment without it. */
export function tokenFromFragment(hash: string): { token: string | null; rest: string } {
  const fragment = hash.startsWith('#') ? hash.slice(1) : hash
  if (fragment === '') return { token: null, rest: '' }
  const params = new URLSearchParams(fragment)
  const token = params.get('token')?.trim() || null
  if (!params.has('token')) return { token: null, rest: fragment }
  params.delete('token')
  return { token, rest: params.toString() }
}

/** Reads, keeps and forgets the token. */
export interface AdminTokenStore {
  get(): string | null
  set(token: string): void
  clear(): void
}

/** A token store over `storage` (`sessionStorage` in the page); a browser that refuses storage keeps it in memory. */
export function createAdminTokenStore(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null): AdminTokenStore {
  let memory: string | null = null
  const attempt = <T>(use: (storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>) => T): T | undefined => {
    try {
      return storage ? use(storage) : undefined
    } catch {
      // Storage disabled or full: the token still works for this page.
      return undefined
    }
  }
  return {
    get: () => attempt((s) => s.getItem(ADMIN_TOKEN_STORAGE_KEY)) ?? memory,
    set(token) {
      memory = token
      attempt((s) => s.setItem(ADMIN_TOKEN_STORAGE_KEY, token))
    },
    clear() {
      memory = null
      attempt((s) => s.removeItem(ADMIN_TOKEN_STORAGE_KEY))
    },
  }
}

/**
 * Move a `#token=` from the address bar into `store`, leaving the rest of the address as it was.
 * Returns whether there was one.
 */
export function takeTokenFromAddress(store: AdminTokenStore): boolean {
  const { token, rest } = tokenFromFragment(location.hash)
  if (token === null && rest === location.hash.slice(1)) return false
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`)
  if (token !== null) store.set(token)
  return token !== null
}
