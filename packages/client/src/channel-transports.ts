/**
 * The carriers of channel frames a {@link NotificationsClient} can use. Each delivers the same JSON
 * frames (`@tandem/protocol` channel.ts), so the client's resume logic does not care which is in use:
 * - {@link webSocketTransport}: a dedicated `/api/events` WebSocket;
 * - {@link sseTransport}: Server-Sent Events read with `fetch` and parsed by `eventsource-parser`, for
 *   networks that block WebSockets (fetch rather than EventSource so it also runs in Node and can
 *   send headers);
 * - {@link providerTransport}: the document's own y-websocket socket (message type 100), so an editor
 *   page needs no second connection.
 */
import {
  type ClientChannelFrame,
  decodeCollabMessage,
  encodeChannelFrame,
  MessageType,
  type ServerChannelFrame,
  serverChannelFrameSchema,
} from '@tandem/protocol'
import { createParser } from 'eventsource-parser'
import type * as decoding from 'lib0/decoding'
import type { WebsocketProvider } from 'y-websocket'

/** What a transport reports to its client. */
export interface TransportHandlers {
  /** The carrier is open: (re)send subscriptions now. */
  onOpen(): void
  onFrame(frame: ServerChannelFrame): void
  /** The carrier closed; `opened` says whether it had opened at all. */
  onClose(opened: boolean): void
}

/** A carrier of channel frames. */
export interface ChannelTransport {
  readonly kind: 'websocket' | 'sse' | 'document'
  /** Whether this carrier reconnects by itself (the document socket does); otherwise the client does. */
  readonly reconnectsItself: boolean
  /** Open the carrier. Subscriptions are passed for carriers that need them up front (SSE). */
  open(handlers: TransportHandlers, subscription: { channels: string[]; since: number | null }): void
  /** Send a frame; `false` if this carrier must be reopened to change subscriptions instead. */
  send(frame: ClientChannelFrame): boolean
  close(): void
}

function parseFrame(text: string): ServerChannelFrame | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  const frame = serverChannelFrameSchema.safeParse(value)
  return frame.success ? frame.data : null
}

/** `http(s)://host` to `ws(s)://host`. */
const toWebSocketUrl = (baseUrl: string): string => baseUrl.replace(/^http/, 'ws')

/** A dedicated `/api/events` WebSocket. */
export function webSocketTransport(
  baseUrl: string,
  params: Record<string, string> = {},
  WebSocketImpl: typeof WebSocket = WebSocket,
): ChannelTransport {
  let socket: WebSocket | null = null
  return {
    kind: 'websocket',
    reconnectsItself: false,
    open(handlers) {
      const query = new URLSearchParams(params).toString()
      const ws = new WebSocketImpl(`${toWebSocketUrl(baseUrl)}/api/events${query ? `?${query}` : ''}`)
      socket = ws
      let opened = false
      ws.onopen = () => {
        opened = true
        handlers.onOpen()
      }
      ws.onmessage = (event: MessageEvent) => {
        const frame = typeof event.data === 'string' ? parseFrame(event.data) : null
        if (frame) handlers.onFrame(frame)
      }
      ws.onclose = () => {
        if (socket === ws) socket = null
        handlers.onClose(opened)
      }
      ws.onerror = () => {}
    },
    send(frame) {
      if (socket?.readyState === 1) socket.send(JSON.stringify(frame))
      return true
    },
    close() {
      const ws = socket
      socket = null
      if (ws) {
        ws.onclose = null
        ws.close()
      }
    },
  }
}

/** Server-Sent Events over `fetch`. Changing subscriptions reopens the stream. */
export function sseTransport(baseUrl: string, params: Record<string, string> = {}, fetchImpl: typeof fetch = fetch): ChannelTransport {
  let abort: AbortController | null = null
  return {
    kind: 'sse',
    reconnectsItself: false,
    open(handlers, { channels, since }) {
      const controller = new AbortController()
      abort = controller
      const query = new URLSearchParams(params)
      for (const channel of channels) query.append('channel', channel)
      if (since !== null) query.set('since', String(since))
      void (async () => {
        let opened = false
        try {
          const response = await fetchImpl(`${baseUrl}/api/events?${query}`, {
            signal: controller.signal,
            headers: { Accept: 'text/event-stream' },
          })
          if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`)
          opened = true
          handlers.onOpen()
          // `id:` and `retry:` are left unused on purpose: every message frame carries its own id, which
          // the client resumes from with `since`, and reconnect timing is the client's ReconnectPolicy.
          const parser = createParser({
            onEvent: ({ data }) => {
              const frame = parseFrame(data)
              if (frame) handlers.onFrame(frame)
            },
          })
          const reader = response.body.getReader()
          const decoder = new TextDecoder()
          for (;;) {
            const { value, done } = await reader.read()
            if (done) break
            parser.feed(decoder.decode(value, { stream: true }))
          }
        } catch {
          // Network error or abort: reported as a close below.
        }
        if (abort === controller) {
          abort = null
          handlers.onClose(opened)
        }
      })()
    },
    send() {
      return false
    },
    close() {
      const controller = abort
      abort = null
      controller?.abort()
    },
  }
}

type MessageHandler = (
  encoder: unknown,
  decoder: decoding.Decoder,
  provider: WebsocketProvider,
  emitSynced: boolean,
  messageType: number,
) => void

/**
 * Channel frames on a y-websocket provider's own socket. The provider reconnects by itself; on every
 * (re)connect this reports `onOpen` so the client resubscribes with its last id.
 */
export function providerTransport(provider: WebsocketProvider): ChannelTransport {
  let handlers: TransportHandlers | null = null
  const handlersTable = (provider as unknown as { messageHandlers: MessageHandler[] }).messageHandlers
  const onStatus = ({ status }: { status: string }): void => {
    if (!handlers) return
    if (status === 'connected') handlers.onOpen()
    if (status === 'disconnected') handlers.onClose(true)
  }
  return {
    kind: 'document',
    reconnectsItself: true,
    open(next) {
      handlers = next
      handlersTable[MessageType.Channel] = (_encoder, decoder) => {
        // The decoder is positioned after the message type; re-read the whole frame with our decoder.
        const frame = decodeCollabMessage(decoder.arr)
        if (frame.type !== MessageType.Channel) return
        const parsed = parseFrame(frame.json)
        if (parsed) handlers?.onFrame(parsed)
        decoder.pos = decoder.arr.length
      }
      provider.on('status', onStatus)
      if (provider.wsconnected) next.onOpen()
    },
    send(frame) {
      const ws = provider.ws
      if (ws && provider.wsconnected) ws.send(encodeChannelFrame(JSON.stringify(frame)))
      return true
    },
    close() {
      handlers = null
      provider.off('status', onStatus)
      // A hole, as before the handler was added: the provider then ignores the type.
      Reflect.deleteProperty(handlersTable, MessageType.Channel)
    },
  }
}
