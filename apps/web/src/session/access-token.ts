/**
 * The page's access token in secure mode. The embedding app opens Tandem with `?token=<jwt>` (or
 * `#token=<jwt>`) on any page; the token is kept per tab in `sessionStorage` and taken out of the
 * address bar, so "Copy link", the history and screenshots never carry someone's sign-in.
 * Open mode has no token and nothing changes.
 */

/** `sessionStorage` key of the token. */
export const ACCESS_TOKEN_STORAGE_KEY = 'tandem.accessToken'

/** The URL parameter (query or fragment) the embedding app puts the token in. */
const TOKEN_PARAM = 'token'

/** A token found in a URL, and the same URL without it. */
export interface TokenInUrl {
  token: string | null
  /** `href` with the token removed from both query and fragment; equal to `href` when there was none. */
  cleanHref: string
}

/** Find the token in the query or the fragment of `href` (the query wins) and strip it from both. */
export function takeTokenFromUrl(href: string): TokenInUrl {
  const url = new URL(href)
  const fragment = new URLSearchParams(url.hash.slice(1))
  const token = url.searchParams.get(TOKEN_PARAM) || fragment.get(TOKEN_PARAM) || null
  if (!url.searchParams.has(TOKEN_PARAM) && !fragment.has(TOKEN_PARAM)) return { token, cleanHref: href }
  url.searchParams.delete(TOKEN_PARAM)
  if (fragment.has(TOKEN_PARAM)) {
    fragment.delete(TOKEN_PARAM)
    const rest = fragment.toString()
    url.hash = rest ? `#${rest}` : ''
  }
  return { token, cleanHref: url.href }
}

/** Where {@link loadAccessToken} reads and writes. */
export interface AccessTokenEnvironment {
  /** The address the page was opened with. */
  href: string
  storage: Pick<Storage, 'getItem' | 'setItem'>
  /** Replace the address bar's URL without a reload (`history.replaceState`). */
  replaceHref(href: string): void
}

/**
 * The page's token: a token in the URL replaces the stored one (the embedding app just minted it),
 * otherwise the token stored earlier in this tab, or `null` in open mode.
 */
export function loadAccessToken(env: AccessTokenEnvironment): string | null {
  const { token, cleanHref } = takeTokenFromUrl(env.href)
  if (cleanHref !== env.href) env.replaceHref(cleanHref)
  if (token) {
    env.storage.setItem(ACCESS_TOKEN_STORAGE_KEY, token)
    return token
  }
  return env.storage.getItem(ACCESS_TOKEN_STORAGE_KEY) || null
}

/** `sessionStorage`, or this page's memory when the browser refuses storage. */
function tabStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  try {
    return window.sessionStorage
  } catch {
    const memory = new Map<string, string>()
    return { getItem: (key) => memory.get(key) ?? null, setItem: (key, value) => void memory.set(key, value) }
  }
}

/**
 * Read this page's token from its URL or tab storage; call before anything reads `location.href`.
 * @example
 * const token = browserAccessToken()
 * connectDocument({ serverUrl, room, doc, ...(token ? { getToken: async () => token } : {}) })
 */
export function browserAccessToken(): string | null {
  return loadAccessToken({
    href: location.href,
    storage: tabStorage(),
    replaceHref: (href) => history.replaceState(history.state, '', href),
  })
}

/** Request headers that present `token` to the HTTP API (none in open mode). */
export function bearerHeaders(token: string | null): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {}
}

/** Forget this tab's sign-in (signing out); the next page load has no token unless its URL brings one. */
export function clearBrowserAccessToken(): void {
  try {
    window.sessionStorage.removeItem(ACCESS_TOKEN_STORAGE_KEY)
  } catch {
    // No session storage: the token lived in memory only and goes with the page.
  }
}
