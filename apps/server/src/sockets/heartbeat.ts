/**
 * Detects dead WebSocket peers: one interval pings every tracked socket, and a socket that has not
 * answered the previous ping is terminated (its `close` event then cleans up as usual).
 */
import type { WebSocket } from 'ws'

/** Pings a set of sockets on one shared timer. */
export class Heartbeat {
  readonly #alive = new Map<WebSocket, boolean>()
  readonly #timer: NodeJS.Timeout

  constructor(intervalMs: number, onDead?: (socket: WebSocket) => void) {
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
    socket.on('pong', () => {
      if (this.#alive.has(socket)) this.#alive.set(socket, true)
    })
    socket.once('close', () => this.#alive.delete(socket))
  }

  /** Stop the timer and terminate every tracked socket. */
  stop(): void {
    clearInterval(this.#timer)
    for (const socket of this.#alive.keys()) socket.terminate()
    this.#alive.clear()
  }
}
