/**
 * Detects dead WebSocket peers: one interval pings every tracked socket, and a socket that has not
 * answered the previous ping is terminated (its `close` event then cleans up as usual).
 */
import type { WebSocket } from 'ws'

/** Pings a set of sockets on one shared timer. */
export class Heartbeat {
  readonly #alive = new Map<WebSocket, boolean>()
  readonly #timer: NodeJS.Timeout
  // One pair of listeners serves every socket (an emitter calls its listeners with itself as `this`)
  // rather than two closures per connection; `on`, since `once` wraps each listener anew, and a
  // socket closes once anyway.
  readonly #onPong: (this: WebSocket) => void
  readonly #onClose: (this: WebSocket) => void

  constructor(intervalMs: number, onDead?: (socket: WebSocket) => void) {
    const alive = this.#alive
    this.#onPong = function (this: WebSocket) {
      if (alive.has(this)) alive.set(this, true)
    }
    this.#onClose = function (this: WebSocket) {
      alive.delete(this)
    }
    this.#timer = setInterval(() => {
      for (const [socket, alive] of this.#alive) {
        if (!alive) {
          onDead?.(socket)
          socket.terminate()
          continue
        }
        this.#alive.set(socket, false)
        socket.ping()
      }
    }, intervalMs)
    this.#timer.unref()
  }

  /** Number of tracked sockets. */
  get size(): number {
    return this.#alive.size
  }

  /** Track `socket` until it closes. */
  track(socket: WebSocket): void {
    this.#alive.set(socket, true)
    socket.on('pong', this.#onPong)
    socket.on('close', this.#onClose)
  }

  /** Stop the timer and close every tracked socket with `code` (a close handshake, unlike {@link stop}). */
  closeAll(code: number, reason: string): void {
    clearInterval(this.#timer)
    for (const socket of this.#alive.keys()) socket.close(code, reason)
  }

  /** Stop the timer and terminate every tracked socket. */
  stop(): void {
    clearInterval(this.#timer)
    for (const socket of this.#alive.keys()) socket.terminate()
    this.#alive.clear()
  }
}
