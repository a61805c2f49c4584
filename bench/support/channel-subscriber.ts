/**
 * A raw `/api/events` WebSocket subscriber speaking the JSON channel frames directly, so the
 * notification benchmark measures the server and the wire, not a client SDK.
 */
import { WebSocket } from 'ws'

import { withDeadline } from './deadline.js'

/** A `message` frame as the server sends it. */
export interface ChannelMessageFrame {
  type: 'message'
  channel: string
  id: number
  data: unknown
  ts: number
}

type ServerFrame =
  ChannelMessageFrame | { type: 'subscribed'; channels: string[] } | { type: 'error'; code: string; message: string } | { type: string }

/** Called with each `message` frame and the `performance.now()` right after it was parsed. */
export type MessageHandler = (frame: ChannelMessageFrame, parsedAt: number) => void

/** One subscribed events socket. Always {@link ChannelSubscriber.close} it. */
export class ChannelSubscriber {
  readonly #socket: WebSocket
  /** Error frames and unexpected closes seen after subscribing. */
  readonly problems: string[] = []
  #closing = false

  private constructor(socket: WebSocket) {
    this.#socket = socket
  }

  /**
   * Open `url`, subscribe to `channel`, and resolve once the server confirmed with `subscribed`.
   * @throws on an error frame, a close, or no confirmation within `timeoutMs`.
   */
  static async connect(url: string, channel: string, onMessage: MessageHandler, timeoutMs = 10_000): Promise<ChannelSubscriber> {
    const socket = new WebSocket(url, { perMessageDeflate: false })
    const subscriber = new ChannelSubscriber(socket)
    const subscribed = new Promise<void>((resolve, reject) => {
      let confirmed = false
      socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', channels: [channel] })))
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) return subscriber.#problem('binary frame on the events socket', reject, confirmed)
        const frame = JSON.parse(data.toString('utf8')) as ServerFrame
        const parsedAt = performance.now()
        if (frame.type === 'message') onMessage(frame as ChannelMessageFrame, parsedAt)
        else if (frame.type === 'subscribed' && (frame as { channels: string[] }).channels.includes(channel)) {
          confirmed = true
          resolve()
        } else if (frame.type === 'error') subscriber.#problem(`error frame: ${data.toString('utf8')}`, reject, confirmed)
      })
      socket.on('error', (error) => subscriber.#problem(`socket error: ${error.message}`, reject, confirmed))
      socket.on('close', (code, reason) => {
        if (!subscriber.#closing) subscriber.#problem(`closed by server: ${code} ${reason.toString()}`, reject, confirmed)
      })
    })
    try {
      await withDeadline(subscribed, timeoutMs, `a subscription to ${channel}`)
    } catch (error) {
      socket.terminate()
      throw error
    }
    return subscriber
  }

  /** Close the socket and wait for it to finish closing (at most 2 s). */
  async close(): Promise<void> {
    this.#closing = true
    if (this.#socket.readyState === WebSocket.CLOSED) return
    const closed = new Promise<void>((resolve) => this.#socket.once('close', () => resolve()))
    this.#socket.close(1000)
    await withDeadline(closed, 2_000, 'an events socket to close').catch(() => this.#socket.terminate())
  }

  #problem(text: string, reject: (error: Error) => void, confirmed: boolean): void {
    if (confirmed) this.problems.push(text)
    else reject(new Error(text))
  }
}
