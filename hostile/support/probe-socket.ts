/**
 * A bare `ws` client for attacks: send arbitrary frames, learn whether the server processed them
 * (a ping answered after them) or closed the connection, and with which code. A refused upgrade is
 * reported with its HTTP status and JSON error code.
 */
import { WebSocket } from 'ws'

/** The server answered the upgrade with an HTTP error instead of `101`. */
export class UpgradeRefused extends Error {
  override name = 'UpgradeRefused'
  constructor(
    readonly status: number,
    readonly code: string | null,
    readonly body: string,
    /** For a document socket accepted only to be closed at once (how refusals reach browsers): its close code. */
    readonly closeCode: number | null = null,
  ) {
    super(
      closeCode === null
        ? `upgrade refused with HTTP ${status} ${code ?? body.slice(0, 200)}`
        : `connection closed at once with ${closeCode} ${body}`,
    )
  }
}

/** How a connection ended. */
export interface Closed {
  code: number
  reason: string
}

/** An open attacking connection. */
export class ProbeSocket {
  readonly ws: WebSocket
  /** Resolves when the connection has closed, with the code the server sent (1006 if none). */
  readonly closed: Promise<Closed>
  /** Frames the server sent. */
  received = 0
  /** Of them, sync step 2s: answers to the step 1s this socket sent. */
  syncAnswers = 0
  #closedWith: Closed | null = null

  private constructor(ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.received++
      // y-websocket: message type 0 (sync), then sync step 1 (2 would be an update).
      if (isBinary && data[0] === 0 && data[1] === 1) this.syncAnswers++
    })
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.#closedWith = { code, reason: reason.toString() }
        resolve(this.#closedWith)
      }),
    )
  }

  /**
   * Connect to `url`, from `localAddress` if given.
   * @throws {UpgradeRefused} when the server answers with an HTTP status, or closes a document
   * socket before greeting it.
   * @example
   * const probe = await ProbeSocket.open(`${server.collabUrl}/victim`)
   */
  static open(url: string, options: { headers?: Record<string, string>; localAddress?: string } = {}): Promise<ProbeSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers: options.headers ?? {},
        perMessageDeflate: false,
        handshakeTimeout: 15_000,
        // Any 127.x.y.z works as a source on Linux, so one test can act as many client addresses.
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      })
      const probe = new ProbeSocket(ws)
      ws.on('error', (error) => reject(error))
      // A document socket is greeted at once (sync step 1); one refused for who is asking is closed
      // instead, with a code. The events endpoint greets no one: open is enough there.
      const greeted = new URL(url).pathname.startsWith('/collab/')
      ws.once('open', () => {
        if (!greeted) resolve(probe)
      })
      if (greeted) {
        ws.once('message', () => resolve(probe))
        ws.once('close', (code, reason) => reject(new UpgradeRefused(101, null, reason.toString(), code)))
      }
      ws.once('unexpected-response', (_request, response) => {
        let body = ''
        response.on('data', (chunk: Buffer) => (body += chunk.toString()))
        response.on('end', () => {
          let code: string | null = null
          try {
            code = (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? null
          } catch {
            // not JSON: reported as the body
          }
          reject(new UpgradeRefused(response.statusCode ?? 0, code, body))
        })
      })
    })
  }

  /**
   * The close, or a failure naming what was expected if the server has not closed within `ms`
   * (a limit that does not trip must fail the test, not hang it).
   */
  async closedWithin(ms = 10_000): Promise<Closed> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the server did not close the connection within ${ms} ms`)), ms)
    })
    try {
      return await Promise.race([this.closed, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** The close, once it happened. */
  get closedWith(): Closed | null {
    return this.#closedWith
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  /** Send one binary frame (or text, for a string); ignored once closing. */
  send(data: Uint8Array | string): void {
    if (this.isOpen) this.ws.send(data)
  }

  /**
   * Ping and wait: `alive` once the pong arrives (so every frame sent before was handled), `closed`
   * if the server closed first, `timeout` after `timeoutMs`.
   */
  roundTrip(timeoutMs = 5000): Promise<'alive' | 'closed' | 'timeout'> {
    if (!this.isOpen) return Promise.resolve('closed')
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish('timeout'), timeoutMs)
      const onPong = (): void => finish('alive')
      const finish = (outcome: 'alive' | 'closed' | 'timeout'): void => {
        clearTimeout(timer)
        this.ws.off('pong', onPong)
        resolve(outcome)
      }
      this.ws.once('pong', onPong)
      void this.closed.then(() => finish('closed'))
      this.ws.ping()
    })
  }

  /** Close from our side and wait until the socket is gone. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return
    this.ws.terminate()
    await this.closed
  }
}

/** Expect `work` to be refused with HTTP `status` and error `code`; returns the refusal. */
export async function expectRefusal(work: Promise<unknown>): Promise<UpgradeRefused> {
  try {
    const value = await work
    if (value instanceof ProbeSocket) await value.close()
  } catch (error) {
    if (error instanceof UpgradeRefused) return error
    throw error
  }
  throw new Error('expected the upgrade to be refused, but it was accepted')
}
