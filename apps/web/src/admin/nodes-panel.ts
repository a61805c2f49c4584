/**
 * The card listing the nodes that serve Tandem: one row per live node of the cluster (a single
 * server lists itself) with its address, connections, rooms, uptime and last heartbeat, the node
 * that answered marked. Rows are keyed by node id and updated in place on every refresh.
 */
import type { ClusterNode } from '@tandem/protocol'

import { h } from '../shell/element.js'
import { formatExactCount } from '../shell/quantity-format.js'
import { formatElapsed } from './time-format.js'

/** The card and what it can show. */
export interface NodesPanel {
  element: HTMLElement
  /** Show the live `nodes` as of `now`. */
  update(nodes: ClusterNode[], now: number): void
  /** Say the list cannot be read now (this node cannot reach Redis), keeping the last one shown. */
  unavailable(message: string): void
}

export function createNodesPanel(): NodesPanel {
  const summary = h('p', { class: 'nodes-summary', role: 'status' })
  const body = h('tbody', {})
  const table = h(
    'table',
    { class: 'nodes-table', 'aria-labelledby': 'nodes-heading' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Node'),
        h('th', { scope: 'col', class: 'is-number' }, 'Conns'),
        h('th', { scope: 'col', class: 'is-number' }, 'Rooms'),
        h('th', { scope: 'col' }, 'Up'),
        h('th', { scope: 'col' }, 'Seen'),
      ),
    ),
    body,
  )
  const element = h(
    'section',
    { class: 'admin-card nodes-card', 'aria-labelledby': 'nodes-heading' },
    h('div', { class: 'card-head' }, h('h2', { id: 'nodes-heading', class: 'card-title' }, 'Nodes')),
    summary,
    table,
  )
  const rows = new Map<string, { tr: HTMLTableRowElement; cells: HTMLElement[] }>()

  return {
    element,
    update(nodes, now) {
      summary.textContent =
        nodes.length === 1
          ? 'One node serves everything.'
          : `${nodes.length} nodes share the documents. Rooms and people above count every node; the figures at the top are this node's.`
      const seen = new Set<string>()
      for (const node of nodes) {
        seen.add(node.id)
        let row = rows.get(node.id)
        if (!row) {
          const cells = [h('td', {}), h('td', { class: 'is-number' }), h('td', { class: 'is-number' }), h('td', {}), h('td', {})]
          row = { tr: h('tr', { 'data-node': node.id }, ...cells), cells }
          rows.set(node.id, row)
        }
        const [name, connections, rooms, up, beat] = row.cells
        const parts = [h('span', { class: 'node-id' }, node.id)]
        if (node.self) parts.push(h('span', { class: 'node-self' }, 'this node'))
        if (node.address) parts.push(h('span', { class: 'node-address', title: node.address }, node.address.replace(/^https?:\/\//, '')))
        name!.replaceChildren(...parts)
        connections!.textContent = formatExactCount(node.connections)
        rooms!.textContent = formatExactCount(node.rooms)
        up!.textContent = formatElapsed(node.startedAt, now)
        beat!.textContent = `${formatElapsed(node.lastHeartbeat, now)} ago`
        body.append(row.tr)
      }
      for (const [id, row] of rows) {
        if (seen.has(id)) continue
        row.tr.remove()
        rows.delete(id)
      }
    },
    unavailable(message) {
      summary.textContent = message
    },
  }
}
