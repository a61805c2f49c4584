/**
 * Top-level message types of a `/collab/<room>` socket. Every binary frame starts with one of these
 * as a lib0 var-uint. 0-3 are the standard y-websocket types, so the stock `y-websocket` client works
 * unchanged; Tandem's own extensions live at 100 and above, outside y-websocket's range, and are only
 * ever sent to a connection that asked for them.
 */
export const MessageType = {
  /** y-protocols sync: step 1 (state vector), step 2 (missing updates) or an incremental update. */
  Sync: 0,
  /** y-protocols awareness update: cursors, names, colours. */
  Awareness: 1,
  /** y-protocols auth message (permission denied). Reserved: the server sends it, never reads it. */
  Auth: 2,
  /** Ask the server to send every known awareness state. Carries no payload. */
  QueryAwareness: 3,
  /** Tandem notification channel frame (subscribe, message, gap...), multiplexed on the doc socket. */
  Channel: 100,
} as const

/** One of the {@link MessageType} values. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType]

const knownTypes = new Set<number>(Object.values(MessageType))

/** Whether `value` is a message type this protocol defines. */
export function isMessageType(value: number): value is MessageType {
  return knownTypes.has(value)
}
