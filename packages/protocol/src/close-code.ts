/**
 * WebSocket close codes of the Tandem protocol, with the reason a client can act on. 1000-1015 are
 * the RFC 6455 codes; 4000-4999 are Tandem's own (the range RFC 6455 leaves to applications).
 * A handler never closes with a bare number: it names one of these. A few are never sent by the
 * server itself; each says so, and who does use it.
 */
export const CloseCode = {
  /** Normal closure: the client finished on purpose (the server closes with a reason code instead). */
  Normal: 1000,
  /** The server is shutting down or restarting; reconnect later. */
  GoingAway: 1001,
  /** A frame broke the WebSocket framing rules (reserved bits set, bad opcode...). Sent by `ws`. */
  ProtocolError: 1002,
  /** A text frame arrived where only binary y-websocket frames are accepted. */
  UnsupportedData: 1003,
  /** A frame was larger than the server's `MAX_FRAME_BYTES`. Sent by `ws`. */
  MessageTooBig: 1009,
  /** The server hit an unexpected error while handling this connection. */
  InternalError: 1011,
  /**
   * The server is shutting down to restart (SIGTERM): reconnect at once, without backing off. Behind
   * a load balancer the new connection reaches another node, which has the document.
   */
  ServiceRestart: 1012,
  /** A binary frame could not be decoded as a y-websocket message (truncated, trailing bytes...). */
  MalformedMessage: 4000,
  /** The frame's message type is not one the protocol defines. */
  UnknownMessageType: 4001,
  /** Yjs rejected the document update carried by a sync message. Nothing of it was stored. */
  InvalidUpdate: 4002,
  /**
   * The connection did not answer pings in time. Not sent: a dead connection cannot read a close
   * frame, so the server drops it and the client sees 1006; clients may report it with this code.
   */
  Timeout: 4008,
  /** The client sent data faster than it read: its outbound buffer passed the limit. */
  SlowConsumer: 4009,
  /**
   * Authentication is required or the token is invalid. A document socket is accepted and closed at
   * once with this code (a browser cannot read the HTTP status of a refused upgrade); the events
   * endpoint answers HTTP 401 instead.
   */
  Unauthorized: 4401,
  /**
   * The token is valid but does not allow this room or channel. Sent like `Unauthorized`, right
   * after the document socket opens.
   */
  Forbidden: 4403,
  /**
   * The document was deleted (moved to the trash by an administrator or a writer; the reason says
   * which): it cannot be opened or saved to until an administrator restores it.
   */
  RoomDeleted: 4404,
  /** The token expired (while connected, or before the socket opened); fetch a new one and reconnect. */
  TokenExpired: 4410,
  /**
   * The document is full: the edit would take it past the server's `MAX_DOCUMENT_BYTES`. Nothing of
   * the edit was stored. Edits that only delete are still taken; reconnecting with the same edit is
   * refused again.
   */
  DocumentFull: 4413,
  /**
   * A limit was hit: too many connections from one address, the server admitting too many at once,
   * rooms created too fast (these three right after the socket opens), awareness ids, messages or
   * rejected frames over the connection's budget. Back off before reconnecting.
   */
  RateLimited: 4429,
  /** The room's storage failed (load or write); nothing unsaved was relayed. Retry later. */
  StorageUnavailable: 4500,
  /**
   * The server stores as many documents as it may (`MAX_ROOMS`, the trash included): this new one
   * cannot be created. Sent right after the socket opens.
   */
  ServerFull: 4507,
} as const

/** One of the {@link CloseCode} values. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

const namesByCode = new Map<number, string>(Object.entries(CloseCode).map(([name, code]) => [code, name]))

/** The name of a close code for logs and error messages, e.g. `4002` → `"InvalidUpdate"`. */
export function closeCodeName(code: number): string {
  return namesByCode.get(code) ?? `Unknown(${code})`
}
