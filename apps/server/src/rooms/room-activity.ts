/**
 * Publishes what happens in rooms on `room:<name>`: `join` and `leave` when people come and go,
 * `activity` when the document changes and `presence` when the people present change (a newcomer's
 * name arrives after their join, people rename themselves). Every message is stored (and fsync'd), so
 * each kind is throttled per room: the first change goes out at once, the rest of the window folds
 * into one trailing message with the counts of its end. Joins and leaves share one throttle, so a
 * flood of connects and disconnects costs at most one stored message per room per window; a folded
 * message is a `join` when anyone joined during the window (the home page then looks for names still
 * to come), else a `leave`.
 */
import { type RoomActivityType, roomChannel, type RoomEvent } from '@tandem/protocol'

import type { Logger } from '../logger.js'
import type { NotificationHub } from '../notifications/notification-hub.js'
import type { Room } from './room.js'
import { presentUsers } from './room-directory.js'

/** What is throttled together: joins with leaves, each other kind alone. */
type ThrottleKind = 'occupancy' | 'activity' | 'presence'

interface Throttle {
  timer: NodeJS.Timeout
  /** The message owed at the end of the window, if anything changed during it. */
  pending: RoomActivityType | null
  /** The latest room object of that name (a room unloaded and loaded again is a new object). */
  room: Room
}

/** Turns room events into channel messages. */
export class RoomActivityPublisher {
  readonly #throttles = new Map<string, Throttle>()

  readonly #hub: NotificationHub
  readonly #logger: Logger
  readonly #throttleMs: number

  constructor(hub: NotificationHub, logger: Logger, throttleMs: number) {
    this.#hub = hub
    this.#logger = logger
    this.#throttleMs = throttleMs
  }

  /** Someone joined `room`. */
  joined(room: Room): void {
    this.#throttled(room, 'occupancy', 'join')
  }

  /** Someone left `room`. */
  left(room: Room): void {
    this.#throttled(room, 'occupancy', 'leave')
  }

  /** `room`'s document changed. */
  changed(room: Room): void {
    this.#throttled(room, 'activity', 'activity')
  }

  /** The people present in `room` changed. */
  presenceChanged(room: Room): void {
    this.#throttled(room, 'presence', 'presence')
  }

  /** Cancel pending trailing messages. */
  close(): void {
    for (const throttle of this.#throttles.values()) clearTimeout(throttle.timer)
    this.#throttles.clear()
  }

  #throttled(room: Room, kind: ThrottleKind, type: RoomActivityType): void {
    const key = `${kind}\u0000${room.name}`
    const throttle = this.#throttles.get(key)
    if (throttle) {
      throttle.room = room
      // A join folded into the window wins: its newcomer's name may still be on its way.
      throttle.pending = throttle.pending === 'join' ? 'join' : type
      return
    }
    this.#publish(room, type)
    this.#arm(room, key)
  }

  #arm(room: Room, key: string): void {
    const timer = setTimeout(() => {
      const throttle = this.#throttles.get(key)
      this.#throttles.delete(key)
      if (throttle?.pending) {
        this.#publish(throttle.room, throttle.pending)
        this.#arm(throttle.room, key)
      }
    }, this.#throttleMs)
    timer.unref()
    this.#throttles.set(key, { timer, pending: null, room })
  }

  #publish(room: Room, type: RoomActivityType): void {
    const present = room.destroyed ? { users: [], total: 0 } : presentUsers(room)
    const data: RoomEvent = { type, room: room.name, connections: room.peerCount, users: present.users, userCount: present.total }
    this.#hub.publish([roomChannel(room.name)], data).catch((error: unknown) => {
      this.#logger.error({ err: error, room: room.name }, 'publishing room activity failed')
    })
  }
}
