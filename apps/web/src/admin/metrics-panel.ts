/**
 * The headline figures above the room table: connections, rooms in memory, traffic, writes,
 * notifications and refusals. Compact numbers on the card, exact ones in the tooltip.
 */
import type { AdminStats } from '@tandem/protocol'

import { h } from '../shell/element.js'
import { formatBytes, formatCount, formatExactCount } from '../shell/quantity-format.js'

/** The panel and how to show a new scrape in it. */
export interface MetricsPanel {
  element: HTMLElement
  /** Show `metrics`; `roomsTotal` is the number of rooms the server knows (loaded or not). */
  update(metrics: AdminStats, roomsTotal: number): void
}

interface Card {
  root: HTMLElement
  value: HTMLElement
  detail: HTMLElement
}

const REASON_LABELS: Record<string, string> = {
  unauthorized: 'no or bad token',
  token_expired: 'token expired',
  forbidden: 'forbidden',
  origin_not_allowed: 'foreign origin',
  invalid_room_name: 'bad room name',
  not_found: 'not found',
  room_unavailable: 'storage down',
  slow_consumer: 'too slow',
}

/** An empty panel; figures appear with the first update. */
export function createMetricsPanel(): MetricsPanel {
  const list = h('dl', { class: 'metrics', 'aria-label': 'Server metrics' })
  const card = (key: string, label: string): Card => {
    const value = h('dd', { class: 'metric-value' }, '–')
    const detail = h('dd', { class: 'metric-detail' }, '\u00a0')
    const root = h('div', { class: 'metric', 'data-metric': key }, h('dt', { class: 'metric-label' }, label), value, detail)
    list.append(root)
    return { root, value, detail }
  }
  const connections = card('connections', 'Document connections')
  const rooms = card('rooms', 'Rooms loaded')
  const messages = card('messages', 'Messages in / out')
  const persisted = card('persisted', 'Updates persisted')
  const notifications = card('notifications', 'Notifications')
  const refused = card('refused', 'Refused connections')

  const set = (target: Card, value: string, exact: string, detail: string): void => {
    target.value.textContent = value
    target.value.title = exact
    target.detail.textContent = detail
  }

  return {
    element: list,
    update(metrics, roomsTotal) {
      set(
        connections,
        formatCount(metrics.documentConnections),
        formatExactCount(metrics.documentConnections),
        `${formatExactCount(metrics.eventConnections)} notification ${metrics.eventConnections === 1 ? 'stream' : 'streams'}`,
      )
      set(
        rooms,
        formatCount(metrics.roomsLoaded),
        formatExactCount(metrics.roomsLoaded),
        `of ${formatExactCount(roomsTotal)} stored or open`,
      )
      set(
        messages,
        `${formatCount(metrics.messagesIn)} / ${formatCount(metrics.messagesOut)}`,
        `${formatExactCount(metrics.messagesIn)} in, ${formatExactCount(metrics.messagesOut)} out`,
        `${formatBytes(metrics.bytesIn)} in · ${formatBytes(metrics.bytesOut)} out`,
      )
      set(
        persisted,
        formatCount(metrics.updatesPersisted),
        formatExactCount(metrics.updatesPersisted),
        metrics.meanPersistMs === null
          ? 'no writes yet'
          : `${metrics.meanPersistMs < 1 ? metrics.meanPersistMs.toFixed(2) : metrics.meanPersistMs.toFixed(1)} ms per write (mean)`,
      )
      set(
        notifications,
        `${formatCount(metrics.notificationsPublished)} / ${formatCount(metrics.notificationsDelivered)}`,
        `${formatExactCount(metrics.notificationsPublished)} published, ${formatExactCount(metrics.notificationsDelivered)} delivered`,
        'published / delivered',
      )
      const reasons = metrics.refusedByReason
        .slice(0, 2)
        .map(({ reason, count }) => `${formatCount(count)} ${REASON_LABELS[reason] ?? reason.replaceAll('_', ' ')}`)
      set(
        refused,
        formatCount(metrics.refusedConnections),
        formatExactCount(metrics.refusedConnections),
        reasons.length > 0 ? reasons.join(' · ') : 'none since start',
      )
      refused.root.classList.toggle('is-warning', metrics.refusedConnections > 0)
    },
  }
}
