/**
 * A live connection of one Y.Doc to one Tandem room. Wraps the stock y-websocket
 * `WebsocketProvider` (the server speaks its protocol unchanged) and adds what a person editing needs
 * to see and trust: a connection status, whether every local change is stored on the server, and
 * reconnects paced by a jittered backoff that pauses while the device has no network.
 *
 * The provider's own reconnect loop (fixed exponential steps, no jitter) is switched off: every
 * close lands in `#onConnectionClose`, which decides when, or whether, to connect again.
 *
 * With `getToken`, every attempt first fetches a token for the socket URL, so a token that expired
 * while connected (or while the device slept) is replaced instead of ending the session.
 */
import { AuthStep, CloseCode, encodeSyncStep1, MessageType, roomNameProblem, SyncStep } from '@tandem/protocol'
import * as decoding from 'lib0/decoding'
import type { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

import { browserNetworkSignal, type NetworkSignal } from './network-signal.js'
import { DEFAULT_RECONNECT_POLICY, reconnectDelay, type ReconnectPolicy } from './reconnect-policy.js'
import { SaveTracker } from './save-tracker.js'

/** `connecting` before the first sync, `live` while synced with the server, `offline` otherwise. */
export type ConnectionStatus = 'connecting' | 'live' | 'offline'

/** What a connection looks like from outside. Replaced, never mutated, on every change. */
export interface DocumentConnectionState {
  status: ConnectionStatus
  /** Every change made through this doc is stored on the server. */
  saved: boolean
  /** Local changes (transactions) the server has not confirmed storing yet; 0 when `saved`. */
  unsavedChanges: number
  /** When the next reconnect attempt is due (ms since the epoch), while one is scheduled. */
  nextAttemptAt: number | null
  /**
   * The server turned the connection away for good (a 44xx close code); nothing is retried.
   * `RateLimited` (4429) is not a refusal: it is retried after a longer backoff.
   */
  refused: { code: number; reason: string } | null
  /**
   * What the server lets this connection do: `read` once it said so (a read-only token), `write`
   * once a connection synced without being told otherwise, `null` before the first sync.
   */
  access: 'read' | 'write' | null
  /** The last close was `RateLimited` (4429): the server asked this client to slow down. Cleared once live. */
  rateLimited: boolean
  /**
   * Whether the device says it has a network (the browser's `navigator.onLine`; always `true`
   * without a network signal). Tells "you are offline" from "the server cannot be reached".
   */
  deviceOnline: boolean
}

/** Options of {@link connectDocument}. */
export interface ConnectDocumentOptions {
  /** Base WebSocket URL of the collab endpoint, e.g. `ws://localhost:8787/collab`. */
  serverUrl: string
  /** Room name, 1-128 characters of `[A-Za-z0-9._-]`. */
  room: string
  doc: Y.Doc
  /** Awareness to share cursors and names through; one is made for `doc` when omitted. */
  awareness?: Awareness
  /** Query parameters of the socket URL, e.g. `{ token }`. */
  params?: Record<string, string>
  /**
   * Fetches the token for the socket URL's `token` parameter; called before every connect and
   * reconnect. With it, `TokenExpired` (4410) is retried with a fresh token and `Unauthorized`
   * (4401) gets one fresh-token retry before it counts as a refusal. A rejected promise counts as a
   * failed attempt and is retried with the backoff.
   */
  getToken?: () => Promise<string>
  /** WebSocket implementation outside browsers, e.g. the `ws` package in Node. */
  WebSocketPolyfill?: typeof WebSocket
  reconnectPolicy?: ReconnectPolicy
  /** Wait after a local change before asking the server to confirm it is stored. Default 300 ms. */
  saveCheckDelayMs?: number
  /** Interval of the keep-alive sync round trip on an idle socket. Default 10 s. */
  heartbeatMs?: number
  /** Network loss and return; the browser's events by default, `null` to ignore the network. */
  network?: NetworkSignal | null
  /**
   * Transaction origins that are not this page's edits, besides the provider: a local cache (an
   * IndexedDB persistence) loading what it stored, say. Their updates are not counted as unsaved.
   */
  isRemoteOrigin?: (origin: unknown) => boolean
  /**
   * Changes made in an earlier session that the server had not confirmed when it ended (kept by a
   * local cache with the document). They count as unsaved until the server confirms them, which the
   * first sync does: the handshake sends everything the server lacks.
   */
  unsavedAtStart?: number
  /** Source of randomness for the backoff jitter, `Math.random` by default. */
  random?: () => number
}

/**
 * Close codes 4400-4499 mirror HTTP 4xx: the server decided, and retrying will not change it. So
 * does `ServerFull` (4507): only an administrator can make room.
 */
function isPermanentClose(code: number): boolean {
  return (code >= 4400 && code < 4500 && code !== CloseCode.RateLimited) || code === CloseCode.ServerFull
}

/**
 * Backoff attempt a `RateLimited` (4429) close jumps to: the server asked us to slow down, so the
 * next try waits seconds rather than the first attempt's fraction of one, and keeps growing.
 */
const RATE_LIMITED_ATTEMPT = 4
/** A restarting server's clients (1012) come back within this many milliseconds, spread at random. */
const RESTART_SPREAD_MS = 250

const OPEN = 1

/** A document connected to a room. Made by {@link connectDocument}. */
export class DocumentConnection {
  readonly room: string
  readonly doc: Y.Doc
  readonly awareness: Awareness
  /** The underlying stock provider, for bindings that want one (e.g. y-prosemirror cursors). */
  readonly provider: WebsocketProvider
  #state: DocumentConnectionState
  readonly #listeners = new Set<(state: DocumentConnectionState) => void>()
  readonly #tracker = new SaveTracker()
  readonly #policy: ReconnectPolicy
  readonly #random: () => number
  readonly #saveCheckDelayMs: number
  readonly #network: NetworkSignal | null
  readonly #stopWatchingNetwork: () => void
  readonly #heartbeat: ReturnType<typeof setInterval>
  readonly #getToken: (() => Promise<string>) | null
  readonly #params: Record<string, string>
  /** Closes since the last successful sync; drives the backoff. */
  #failures = 0
  /** Counts connect attempts, so a token that arrives after its attempt was abandoned is ignored. */
  #attempt = 0
  /** A 4401 was already answered with a fresh token since the last successful sync. */
  #retriedUnauthorized = false
  /** The current socket was told it may only read. */
  #toldReadOnly = false
  readonly #isRemoteOrigin: (origin: unknown) => boolean
  #retryTimer: ReturnType<typeof setTimeout> | null = null
  #probeTimer: ReturnType<typeof setTimeout> | null = null
  #destroyed = false

  constructor(options: ConnectDocumentOptions) {
    const problem = roomNameProblem(options.room)
    if (problem) throw new RangeError(`invalid room name ${JSON.stringify(options.room)}: ${problem}`)
    this.room = options.room
    this.doc = options.doc
    this.#policy = options.reconnectPolicy ?? DEFAULT_RECONNECT_POLICY
    this.#random = options.random ?? Math.random
    this.#saveCheckDelayMs = options.saveCheckDelayMs ?? 300
    this.#network = options.network === undefined ? browserNetworkSignal() : options.network
    this.#getToken = options.getToken ?? null
    this.#params = options.params ?? {}
    this.#isRemoteOrigin = options.isRemoteOrigin ?? (() => false)
    for (let i = 0; i < (options.unsavedAtStart ?? 0); i++) this.#tracker.localChange(false)
    const online = this.#network?.online ?? true

    this.provider = new WebsocketProvider(options.serverUrl, options.room, options.doc, {
      connect: false,
      awareness: options.awareness,
      params: { ...this.#params },
      WebSocketPolyfill: options.WebSocketPolyfill,
      // Every close is handled by #onConnectionClose, which owns the reconnect decision.
      shouldReconnect: () => true,
    })
    this.awareness = this.provider.awareness
    this.#state = {
      status: online ? 'connecting' : 'offline',
      saved: this.#tracker.saved,
      unsavedChanges: this.#tracker.unsaved,
      nextAttemptAt: null,
      refused: null,
      access: null,
      rateLimited: false,
      deviceOnline: online,
    }
    this.#watchSyncMessages()
    this.#watchAccessMessages()
    this.provider.on('status', this.#onProviderStatus)
    this.provider.on('sync', this.#onSync)
    this.provider.on('connection-close', this.#onConnectionClose)
    this.doc.on('update', this.#onDocUpdate)
    // Also feeds the provider's watchdog, which drops a socket that received nothing for 30 s.
    this.#heartbeat = setInterval(() => {
      if (this.#tracker.probesInFlight === 0) this.#sendProbe()
    }, options.heartbeatMs ?? 10_000)
    this.#stopWatchingNetwork = this.#network?.subscribe(this.#onNetworkChange) ?? (() => {})
    if (online) this.#connect()
  }

  /** The current state. */
  get state(): DocumentConnectionState {
    return this.#state
  }

  /** Call `listener` with every new state; returns the unsubscribe function. */
  onStateChange(listener: (state: DocumentConnectionState) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Skip the backoff wait (e.g. a "Retry now" button). Also retries a refused connection. */
  reconnectNow(): void {
    if (this.#destroyed) return
    this.#failures = 0
    this.#cancelRetry()
    this.#retriedUnauthorized = false
    this.#update({ nextAttemptAt: null, refused: null })
    this.#connect()
  }

  /** Close the socket for good, tell the others this user left, and stop every timer. */
  destroy(): void {
    if (this.#destroyed) return
    this.#destroyed = true
    this.#attempt++
    this.#cancelRetry()
    if (this.#probeTimer) clearTimeout(this.#probeTimer)
    clearInterval(this.#heartbeat)
    this.#stopWatchingNetwork()
    this.doc.off('update', this.#onDocUpdate)
    this.provider.destroy()
    this.#listeners.clear()
  }

  /**
   * Wrap the provider's sync handler to see which sync step each server frame carries: a step 2
   * answers our oldest step 1 (a save probe), a step 1 is the server asking for what it lacks,
   * which the provider answers with every local change.
   */
  #watchSyncMessages(): void {
    const handlers = this.provider.messageHandlers
    const handleSync = handlers[MessageType.Sync]!
    handlers[MessageType.Sync] = (encoder, decoder, provider, fromSocket, messageType) => {
      const step = decoding.peekVarUint(decoder)
      handleSync(encoder, decoder, provider, fromSocket, messageType)
      // The provider passes `false` for frames from other tabs (BroadcastChannel), not the server.
      if (!fromSocket || this.#destroyed) return
      if (step === SyncStep.Step2) {
        this.#tracker.probeAnswered()
        this.#update({ saved: this.#tracker.saved, unsavedChanges: this.#tracker.unsaved })
        this.#scheduleProbe()
      } else if (step === SyncStep.Step1) {
        // The provider writes its answer right after this returns, in the same task.
        this.#tracker.caughtUp()
        this.#scheduleProbe()
      }
    }
  }

  /**
   * Read Tandem's access frame (an auth message of sub-type {@link AuthStep.Access}, which the stock
   * handler ignores) and leave every other auth message to the stock handler.
   */
  #watchAccessMessages(): void {
    const handlers = this.provider.messageHandlers
    const handleAuth = handlers[MessageType.Auth]!
    handlers[MessageType.Auth] = (encoder, decoder, provider, fromSocket, messageType) => {
      if (decoding.peekVarUint(decoder) !== AuthStep.Access) {
        handleAuth(encoder, decoder, provider, fromSocket, messageType)
        return
      }
      decoding.readVarUint(decoder)
      if (!fromSocket || this.#destroyed || decoding.readVarString(decoder) !== 'read') return
      this.#toldReadOnly = true
      this.#update({ access: 'read' })
    }
  }

  readonly #onProviderStatus = ({ status }: { status: 'connected' | 'disconnected' | 'connecting' }): void => {
    if (status !== 'connected') return
    // A new socket: the server says again whether it is read-only, before its first sync step.
    this.#toldReadOnly = false
    // Emitted just before the provider sends its own step 1 on the new socket, which is a probe too.
    this.#tracker.socketOpened()
    this.#tracker.probeSent()
  }

  readonly #onSync = (synced: boolean): void => {
    if (!synced || this.#destroyed) return
    this.#failures = 0
    this.#retriedUnauthorized = false
    this.#update({ status: 'live', nextAttemptAt: null, refused: null, rateLimited: false, access: this.#toldReadOnly ? 'read' : 'write' })
  }

  readonly #onConnectionClose = (event: CloseEvent | null): void => {
    // Stops the provider's own reconnect timer, scheduled right after this event.
    this.provider.shouldConnect = false
    this.#tracker.socketClosed()
    if (this.#destroyed) return
    if (event && isPermanentClose(event.code) && !this.#retryWithFreshToken(event.code)) {
      this.#update({ status: 'offline', nextAttemptAt: null, refused: { code: event.code, reason: event.reason } })
      return
    }
    if (this.#network && !this.#network.online) {
      this.#update({ status: 'offline', nextAttemptAt: null })
      return
    }
    if (event?.code === CloseCode.RateLimited) {
      this.#failures = Math.max(this.#failures, RATE_LIMITED_ATTEMPT)
      this.#update({ rateLimited: true })
    }
    // A node restarting (1012) wants its clients elsewhere now, not after a backoff; spread over a
    // moment, so the thousands it held do not all land on the other nodes in one instant.
    if (event?.code === CloseCode.ServiceRestart) this.#scheduleRetry(Math.round(RESTART_SPREAD_MS * this.#random()))
    else this.#scheduleRetry()
  }

  readonly #onNetworkChange = (online: boolean): void => {
    if (this.#destroyed) return
    this.#cancelRetry()
    if (online) {
      this.#failures = 0
      this.#update({ nextAttemptAt: null, deviceOnline: true })
      if (!this.#state.refused) this.#connect()
      return
    }
    this.#attempt++
    this.provider.disconnect()
    this.#update({ status: 'offline', nextAttemptAt: null, deviceOnline: false })
  }

  readonly #onDocUpdate = (_update: Uint8Array, origin: unknown): void => {
    // Changes the provider applied came from the server or another tab: not ours to save.
    if (origin === this.provider || this.#isRemoteOrigin(origin)) return
    const ws = this.provider.ws
    this.#tracker.localChange(this.provider.wsconnected && ws !== null && ws.readyState === OPEN)
    this.#update({ saved: this.#tracker.saved, unsavedChanges: this.#tracker.unsaved })
    this.#scheduleProbe()
  }

  /**
   * Open the socket, first fetching a token when there is a `getToken`. The provider reads
   * `params` each time it builds the socket URL, so the fresh token goes into the next attempt.
   */
  #connect(): void {
    const getToken = this.#getToken
    if (!getToken) {
      this.provider.connect()
      return
    }
    const attempt = ++this.#attempt
    const current = (): boolean => attempt === this.#attempt && !this.#destroyed && this.#state.refused === null
    // A getToken that throws instead of rejecting is a failed attempt too, not a crash.
    new Promise<string>((resolve) => resolve(getToken())).then(
      (token) => {
        if (!current()) return
        this.provider.params = { ...this.#params, token }
        this.provider.connect()
      },
      () => {
        // No token, no connection: back off as if the server could not be reached.
        if (current()) this.#scheduleRetry()
      },
    )
  }

  /** Whether a 44xx close is one a fresh token may cure (and one is worth fetching). */
  #retryWithFreshToken(code: number): boolean {
    if (!this.#getToken) return false
    if (code === CloseCode.TokenExpired) return true
    if (code !== CloseCode.Unauthorized || this.#retriedUnauthorized) return false
    // A token revoked or signed with a rotated secret can be replaced once; a second 4401 is an answer.
    this.#retriedUnauthorized = true
    return true
  }

  /** Reconnect after `delay` (by default the backoff's next wait, which then grows). */
  #scheduleRetry(delay?: number): void {
    if (delay === undefined) {
      delay = reconnectDelay(this.#failures, this.#policy, this.#random)
      this.#failures++
    }
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      this.#update({ nextAttemptAt: null })
      this.#connect()
    }, delay)
    this.#update({ status: 'offline', nextAttemptAt: Date.now() + delay })
  }

  #cancelRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    this.#retryTimer = null
  }

  #scheduleProbe(): void {
    if (this.#probeTimer || !this.#tracker.probeWanted) return
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = null
      if (this.#tracker.probeWanted) this.#sendProbe()
    }, this.#saveCheckDelayMs)
  }

  #sendProbe(): void {
    const ws = this.provider.ws
    if (!this.provider.wsconnected || ws === null || ws.readyState !== OPEN) return
    ws.send(encodeSyncStep1(Y.encodeStateVector(this.doc)))
    this.#tracker.probeSent()
  }

  #update(patch: Partial<DocumentConnectionState>): void {
    const next = { ...this.#state, ...patch }
    const changed = (Object.keys(patch) as (keyof DocumentConnectionState)[]).some((key) => next[key] !== this.#state[key])
    if (!changed) return
    this.#state = next
    for (const listener of this.#listeners) listener(next)
  }
}

/**
 * Connect `doc` to a room and keep it connected until `destroy()`.
 * @example
 * const connection = connectDocument({ serverUrl: 'ws://localhost:8787/collab', room: 'notes', doc: new Y.Doc() })
 * connection.onStateChange(({ status, saved }) => render(status, saved))
 */
export function connectDocument(options: ConnectDocumentOptions): DocumentConnection {
  return new DocumentConnection(options)
}
