/**
 * Publishes what happens in rooms on `room:<name>`: `join` and `leave` as they happen; `activity` when
 * the document changes and `presence` when the people present change (a newcomer's name arrives after
 * their join, people rename themselves), each at most once per throttle window (first change at once,
 * the rest folded into one trailing message), so typing and cursor traffic do not flood the channel.
 */
import type { Logger } from '../logger.js'
import { presentUsers } from '../rooms/room-directory.js'
import type { Room } from '../rooms/room.js'
import type { NotificationHub } from './notification-hub.js'

/** The channel of a room's activity. */
export const roomChannel = (room: string): string => `room:${room}`

type Throttled = 'activity' | 'presence'

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
    this.#throttled(room, 'activity')
  }

  /** The people present in `room` changed. */
  presenceChanged(room: Room): void {
    this.#throttled(room, 'presence')
  }

  #throttled(room: Room, type: Throttled): void {
    const key = `${type}\u0000${room.name}`
    const throttle = this.#throttles.get(key)
    if (throttle) {
      throttle.pending = true
      return
    }
    this.#publish(room, type)
    this.#arm(room, type, key)
  }

  /** Cancel pending trailing messages. */
  close(): void {
    for (const throttle of this.#throttles.values()) clearTimeout(throttle.timer)
    this.#throttles.clear()
  }

  #arm(room: Room, type: Throttled, key: string): void {
    const timer = setTimeout(() => {
      const throttle = this.#throttles.get(key)
      this.#throttles.delete(key)
      if (throttle?.pending) {
        this.#publish(room, type)
        this.#arm(room, type, key)
      }
    }, this.throttleMs)
    timer.unref()
    this.#throttles.set(key, { timer, pending: false })
  }

  #publish(room: Room, type: 'join' | 'leave' | Throttled): void {
    const data = { type, room: room.name, connections: room.peerCount, users: room.destroyed ? [] : presentUsers(room) }
    this.hub.publish([roomChannel(room.name)], data).catch((error: unknown) => {
      this.logger.error({ err: error, room: room.name }, 'publishing room activity failed')
    })
  }
}
