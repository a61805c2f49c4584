/**
 * Asks the embedding application whether a user may do something, so a Django or Rails app keeps its
 * own permission logic. `POST AUTH_WEBHOOK_URL` with `{ user, action, room | channel }`; only a 2xx
 * answer with `{ "allow": true }` allows. Answers are cached for a few seconds, and the same question
 * asked again while its answer is on the way waits for that answer; a timeout, network error, non-2xx
 * or malformed answer denies (fail closed). Each user may cost the application at most
 * `maxQuestionsPerMinute` calls: a wildcard subscription replaying the history of hundreds of rooms,
 * or a flood of joins, would otherwise turn one request into hundreds of webhook calls. Past it, the
 * answer is no (fail closed) until the budget refills.
 */
import type { Logger } from '../logger.js'
import { TokenBucket } from '../token-bucket.js'
import type { UserIdentity } from './identity.js'

/** What is being asked. */
export type WebhookQuestion = { action: 'read' | 'write'; room: string } | { action: 'subscribe'; channel: string }

/** Options of a {@link WebhookAuthorizer}. */
export interface WebhookAuthorizerOptions {
  url: string
  timeoutMs: number
  cacheMs: number
  logger: Logger
  /** Webhook calls one user may cause per minute (a bucket refilling continuously). */
  maxQuestionsPerMinute?: number
  fetch?: typeof fetch
  now?: () => number
}

/** Default of {@link WebhookAuthorizerOptions.maxQuestionsPerMinute}. */
const DEFAULT_WEBHOOK_QUESTIONS_PER_MINUTE = 600
/** Users whose budgets are tracked at once; beyond, the map starts over (budgets only get fuller). */
const TRACKED_USERS = 10_000

/** Cached, fail-closed permission checks against the application. */
export class WebhookAuthorizer {
  readonly #options: WebhookAuthorizerOptions
  readonly #cache = new Map<string, { allow: boolean; until: number }>()
  readonly #inFlight = new Map<string, Promise<boolean>>()
  readonly #budgets = new Map<string, TokenBucket>()

  constructor(options: WebhookAuthorizerOptions) {
    this.#options = options
  }

  /** Whether the application allows `user` the `question`. */
  async allows(user: UserIdentity, question: WebhookQuestion): Promise<boolean> {
    const now = (this.#options.now ?? Date.now)()
    const key = JSON.stringify([user.id, question])
    const cached = this.#cache.get(key)
    if (cached && cached.until > now) return cached.allow
    const pending = this.#inFlight.get(key)
    if (pending) return pending
    if (!this.#spend(user)) {
      this.#options.logger.warn({ user: user.id, ...question }, 'auth webhook not asked: this user is over its question budget; denying')
      return false
    }
    const asked = this.#ask(user, question).finally(() => this.#inFlight.delete(key))
    this.#inFlight.set(key, asked)
    const allow = await asked
    if (this.#options.cacheMs > 0) {
      if (this.#cache.size > 10_000) this.#cache.clear()
      this.#cache.set(key, { allow, until: now + this.#options.cacheMs })
    }
    return allow
  }

  #spend(user: UserIdentity): boolean {
    const perMinute = this.#options.maxQuestionsPerMinute ?? DEFAULT_WEBHOOK_QUESTIONS_PER_MINUTE
    let budget = this.#budgets.get(user.id)
    if (!budget) {
      if (this.#budgets.size >= TRACKED_USERS) this.#budgets.clear()
      budget = new TokenBucket(perMinute, perMinute / 60)
      this.#budgets.set(user.id, budget)
    }
    return budget.take(1)
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
