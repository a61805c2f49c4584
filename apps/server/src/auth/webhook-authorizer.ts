/**
 * Asks the embedding application whether a user may do something, so a Django or Rails app keeps its
 * own permission logic. `POST AUTH_WEBHOOK_URL` with `{ user, action, room | channel }`; only a 2xx
 * answer with `{ "allow": true }` allows. Answers are cached for a few seconds; a timeout, network
 * error, non-2xx or malformed answer denies (fail closed).
 */
import type { Logger } from '../logger.js'
import type { UserIdentity } from './identity.js'

/** What is being asked. */
export type WebhookQuestion = { action: 'read' | 'write'; room: string } | { action: 'subscribe'; channel: string }

/** Options of a {@link WebhookAuthorizer}. */
export interface WebhookAuthorizerOptions {
  url: string
  timeoutMs: number
  cacheMs: number
  logger: Logger
  fetch?: typeof fetch
  now?: () => number
}

/** Cached, fail-closed permission checks against the application. */
export class WebhookAuthorizer {
  readonly #options: WebhookAuthorizerOptions
  readonly #cache = new Map<string, { allow: boolean; until: number }>()

  constructor(options: WebhookAuthorizerOptions) {
    this.#options = options
  }

  /** Whether the application allows `user` the `question`. */
  async allows(user: UserIdentity, question: WebhookQuestion): Promise<boolean> {
    const now = (this.#options.now ?? Date.now)()
    const key = JSON.stringify([user.id, question])
    const cached = this.#cache.get(key)
    if (cached && cached.until > now) return cached.allow
    const allow = await this.#ask(user, question)
    if (this.#options.cacheMs > 0) {
      if (this.#cache.size > 10_000) this.#cache.clear()
      this.#cache.set(key, { allow, until: now + this.#options.cacheMs })
    }
    return allow
  }

  async #ask(user: UserIdentity, question: WebhookQuestion): Promise<boolean> {
    const { url, timeoutMs, logger } = this.#options
    try {
      const response = await (this.#options.fetch ?? fetch)(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ user: { id: user.id, name: user.name }, ...question }),
        signal: AbortSignal.timeout(timeoutMs),
      })
      if (!response.ok) {
        logger.warn({ status: response.status, ...question }, 'auth webhook denied (non-2xx)')
        return false
      }
      const body = (await response.json()) as { allow?: unknown }
      return body.allow === true
    } catch (error) {
      logger.warn({ err: error, ...question }, 'auth webhook failed; denying')
      return false
    }
  }
}
