/**
 * The "Quotas" card: how many documents the server stores against `MAX_ROOMS` (the trash
 * included), and the largest documents against `MAX_DOCUMENT_BYTES`, each with a meter, so an
 * administrator sees a document about to fill before its writers do.
 */
import type { AdminQuotas } from '@tandem/protocol'

import { h } from '../shell/element.js'
import { formatBytes, formatExactCount } from '../shell/quantity-format.js'
import { startVisiblePoller } from './visible-poller.js'

const REFRESH_MS = 10_000

/** The card. */
export interface QuotaPanel {
  element: HTMLElement
  destroy(): void
}

/** A labelled meter of `value` out of `max`, turning amber past 80% and red past 95%. */
function meter(label: string, value: number, max: number): HTMLMeterElement {
  return h('meter', { class: 'quota-meter', min: 0, max, low: max * 0.8, high: max * 0.95, optimum: 0, value, 'aria-label': label })
}

/** `part` of `whole` as a percentage, to one decimal place below 10%. */
function percent(part: number, whole: number): string {
  const value = (part / whole) * 100
  return `${value < 10 ? value.toFixed(1) : Math.round(value)}%`
}

export function createQuotaPanel(load: () => Promise<AdminQuotas>): QuotaPanel {
  const rooms = h('div', { class: 'quota-rooms' })
  const largest = h('ul', { class: 'quota-list', 'aria-label': 'Largest documents' })
  const problem = h('p', { class: 'detail-error', role: 'alert' })
  const limit = h('p', { class: 'quota-note' })
  const element = h(
    'section',
    { class: 'admin-card quota-card', 'aria-labelledby': 'quota-heading' },
    h('div', { class: 'card-head' }, h('h2', { id: 'quota-heading', class: 'card-title' }, 'Quotas')),
    rooms,
    limit,
    largest,
    problem,
  )

  const refresh = async (): Promise<void> => {
    try {
      const quotas = await load()
      const used = `${formatExactCount(quotas.rooms)} of ${formatExactCount(quotas.maxRooms)} documents`
      rooms.replaceChildren(
        h('p', { class: 'quota-line' }, h('span', {}, used), h('span', { class: 'quota-percent' }, percent(quotas.rooms, quotas.maxRooms))),
        meter(`Documents stored: ${used}`, quotas.rooms, quotas.maxRooms),
        h('p', { class: 'quota-note', hidden: quotas.trashed === 0 }, `${formatExactCount(quotas.trashed)} of them in the trash.`),
      )
      limit.textContent = `Each document may take ${formatBytes(quotas.maxDocumentBytes)}. Largest:`
      largest.replaceChildren(
        ...quotas.largest.map(({ name, bytes }) =>
          h(
            'li',
            { class: 'quota-item', 'data-room': name },
            h(
              'p',
              { class: 'quota-line' },
              h('span', { class: 'quota-name' }, name),
              h('span', { class: 'quota-percent' }, `${formatBytes(bytes)} · ${percent(bytes, quotas.maxDocumentBytes)}`),
            ),
            meter(`${name}: ${formatBytes(bytes)} of ${formatBytes(quotas.maxDocumentBytes)}`, bytes, quotas.maxDocumentBytes),
          ),
        ),
      )
      problem.textContent = ''
    } catch (error) {
      problem.textContent = `Cannot read the quotas: ${(error as Error).message}.`
    }
  }
  const poller = startVisiblePoller(refresh, REFRESH_MS)
  return { element, destroy: () => poller.stop() }
}
