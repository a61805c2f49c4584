/**
 * Publishes what happens in rooms on `room:<name>`: `join` and `leave` as they happen, and `activity`
 * when the document changes, at most once per throttle window (first change at once, the rest folded
 * into one trailing message), so typing does not flood the channel.
 */
import type { Logger } from '../logger.js'
import { presentUsers } from '../rooms/room-directory.js'
import type { Room } from '../rooms/room.js'
import type { NotificationHub } from './notification-hub.js'

/** The channel of a room's activity. */
export const roomChannel = (room: string): string => `room:${room}`

interface Throttle {
  timer: NodeJS.Timeout
  pending: boolean
}

/** Turns room events into channel messages. */
export class RoomActivityPublisher {
  readonly #throttles = new Map<string, Throttle>()

  constructor(
    private readonly hub: NotificationHub,
    private readonly logger: Logger,
    private readonly throttleMs: number,
  ) {}

  /** Someone joined `room`. */
  joined(room: Room): void {
    this.#publish(room, 'join')
  }

  /** Someone left `room`. */
  left(room: Room): void {
    this.#publish(room, 'leave')
  }

  /** `room`'s document changed. */
  changed(room: Room): void {
    const throttle = this.#throttles.get(room.name)
    if (throttle) {
      throttle.pending = true
      return
    }
    this.#publish(room, 'activity')
    this.#arm(room)
  }

  /** Cancel pending trailing messages. */
  close(): void {
    for (const throttle of this.#throttles.values()) clearTimeout(throttle.timer)
    this.#throttles.clear()
  }

  #arm(room: Room): void {
    const timer = setTimeout(() => {
      const throttle = this.#throttles.get(room.name)
      this.#throttles.delete(room.name)
      if (throttle?.pending) {
        this.#publish(room, 'activity')
        this.#arm(room)
      }
    }, this.throttleMs)
    timer.unref()
    this.#throttles.set(room.name, { timer, pending: false })
  }

  #publish(room: Room, type: 'join' | 'leave' | 'activity'): void {
    const data = { type, room: room.name, connections: room.peerCount, users: room.destroyed ? [] : presentUsers(room) }
    this.hub.publish([roomChannel(room.name)], data).catch((error: unknown) => {
      this.logger.error({ err: error, room: room.name }, 'publishing room activity failed')
    })
  }
}
