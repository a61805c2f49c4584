/**
 * The header badge saying whether the document is connected and whether your changes are stored:
 * "Live · Saved", "You’re offline · 3 changes not saved yet", "Can’t reach server". Offers "Retry now" while waiting to reconnect.
 */
import type { DocumentConnection } from '@tandem/client'

import { h } from '../shell/element.js'
import { statusText } from './status-text.js'

/** A live status badge for `connection`; returns the element and a function that stops it. */
export function createStatusIndicator(connection: DocumentConnection): { element: HTMLElement; destroy(): void } {
  const dot = h('span', { class: 'status-dot', 'aria-hidden': 'true' })
  const connectionLabel = h('span', { class: 'status-connection', role: 'status', 'aria-label': 'Connection' })
  const saveLabel = h('span', { class: 'status-save', role: 'status', 'aria-label': 'Save state' })
  // What a phone shows instead of both labels (they stay for screen readers).
  const shortLabel = h('span', { class: 'status-short', 'aria-hidden': 'true' })
  const retry = h('button', { type: 'button', class: 'status-retry', hidden: true }, 'Retry now')
  const element = h('div', { class: 'status-indicator' }, dot, connectionLabel, saveLabel, shortLabel, retry)
  let edited = false
  let ticker: ReturnType<typeof setInterval> | null = null

  const render = (): void => {
    const state = connection.state
    const text = statusText(state, edited, Date.now())
    element.dataset.status = state.status
    element.title = text.detail
    connectionLabel.textContent = text.connection
    saveLabel.textContent = text.save ?? ''
    saveLabel.hidden = text.save === null
    shortLabel.textContent = text.short
    retry.hidden = state.status !== 'offline'
    // The tooltip counts down to the next attempt; tick only while there is one.
    const waiting = state.nextAttemptAt !== null
    if (waiting && !ticker) ticker = setInterval(render, 1000)
    if (!waiting && ticker) {
      clearInterval(ticker)
      ticker = null
    }
  }

  const stopState = connection.onStateChange((state) => {
    if (!state.saved) edited = true
    render()
  })
  retry.addEventListener('click', () => connection.reconnectNow())
  render()
  return {
    element,
    destroy() {
      stopState()
      if (ticker) clearInterval(ticker)
    },
  }
}
