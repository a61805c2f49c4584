/**
 * The signed-in console: headline metrics, the live room table, the selected room's details, the
 * delete dialog and the announcement form, refreshed together every two seconds while visible, and
 * the last hour's charts, which poll on their own. Any 401 hands control back to the page
 * (`onUnauthorized`), which shows the sign-in card.
 */
import type { NotificationCenter } from '../notifications/notification-center.js'
import { h } from '../shell/element.js'
import { saveFile } from '../shell/save-file.js'
import { type AdminApi, AdminApiError, AdminUnauthorizedError, type Announcement } from './admin-api.js'
import type { AdminRoom } from './admin-room-data.js'
import { createAuditPanel } from './audit-panel.js'
import { createBroadcastForm } from './broadcast-form.js'
import { createDeleteRoomDialog } from './delete-room-dialog.js'
import { createMetricsPanel } from './metrics-panel.js'
import { createNodesPanel } from './nodes-panel.js'
import { createQuotaPanel } from './quota-panel.js'
import { createRoomDetail } from './room-detail.js'
import { fetchRoomPages } from './room-pages.js'
import { createRoomTable } from './room-table.js'
import { createStatsCharts } from './stats-charts.js'
import { createTrashPanel } from './trash-panel.js'
import { startVisiblePoller } from './visible-poller.js'

const REFRESH_MS = 2_000
/** Rooms fetched per refresh, searched and sorted by the server. */

/** A mounted console. */
export interface AdminConsole {
  element: HTMLElement
  /** Stop refreshing (on sign-out). */
  destroy(): void
}

/**
 * Build the console over `api`; it starts refreshing at once. `publishing` (the page's notification
 * center's) keeps the admin's own announcement from popping a toast over the form that sent it.
 */
export function createAdminConsole(api: AdminApi, onUnauthorized: () => void, publishing?: NotificationCenter['publishing']): AdminConsole {
  let selected: string | null = null
  let destroyed = false

  /** Run an action; a 401 signs out, everything else is for the caller to show. */
  const guarded = async <T>(action: () => Promise<T>): Promise<T> => {
    try {
      return await action()
    } catch (error) {
      if (error instanceof AdminUnauthorizedError && !destroyed) onUnauthorized()
      throw error
    }
  }

  const announce = async (announcement: Announcement): Promise<void> => {
    const sending = publishing?.()
    let ids: Record<string, number> | null = null
    try {
      ids = await guarded(() => api.broadcast(announcement))
    } finally {
      sending?.done(ids)
    }
  }

  const notice = h('p', { class: 'admin-notice', role: 'status' })
  const problem = h('p', { class: 'admin-problem', role: 'alert', hidden: true })
  const liveLabel = h('span', { class: 'live-label' }, 'Connecting…')
  const metrics = createMetricsPanel()
  const charts = createStatsCharts(() => guarded(() => api.statsHistory()))
  const nodes = createNodesPanel()
  const audit = createAuditPanel((query) => guarded(() => api.audit(query)))
  const quotas = createQuotaPanel(() => guarded(() => api.quotas()))
  const trash = createTrashPanel({
    load: () => guarded(() => api.trash()),
    restore: (name) => guarded(() => api.restore(name)),
    purge: (name) => guarded(() => api.purge(name)),
    onChange: (message) => {
      notice.textContent = message
      poller.refreshNow()
      audit.refreshNow()
    },
  })
  const dialog = createDeleteRoomDialog((name) =>
    guarded(async () => {
      try {
        await api.deleteRoom(name)
      } catch (error) {
        // Someone else deleted it first: the administrator's intent holds.
        if (!(error instanceof AdminApiError && error.status === 404)) throw error
      }
    }),
  )

  const select = (room: AdminRoom | null): void => {
    selected = room?.name ?? null
    table.setSelected(selected)
    if (room) {
      detail.show(room, null, Date.now())
      poller.refreshNow()
      // Stacked layout: the panel is below the table, out of sight.
      if (matchMedia('(max-width: 1100px)').matches) detail.element.scrollIntoView({ block: 'start', behavior: 'smooth' })
    } else {
      detail.clear()
    }
  }

  // Pages of the table to keep live; a new order or search starts again from the first.
  let pages = 1
  const table = createRoomTable({
    onSortChange: () => {
      pages = 1
      poller.refreshNow()
    },
    onSearchChange: () => {
      pages = 1
      poller.refreshNow()
    },
    onShowMore: () => {
      pages += 1
      poller.refreshNow()
    },
    onSelect: (room) => select(room),
  })
  const detail = createRoomDetail({
    onClose: () => select(null),
    onExport: (room, format) =>
      guarded(async () => {
        const file = await api.exportRoom(room, format)
        saveFile(file.blob, file.filename)
      }),
    onDelete: async (room) => {
      notice.textContent = ''
      if (!(await dialog.open(room))) return
      if (selected === room.name) select(null)
      notice.textContent = `Deleted “${room.name}”. Everyone who had it open was disconnected; it is in the trash, where you can restore it.`
      poller.refreshNow()
      trash.refreshNow()
      audit.refreshNow()
    },
  })

  const refresh = async (): Promise<void> => {
    const wanted = selected
    try {
      const [page, headline, room, live] = await Promise.all([
        fetchRoomPages(api, table.sort, table.query, pages),
        api.stats(),
        wanted ? api.room(wanted) : Promise.resolve(null),
        // A node that cannot reach Redis cannot list the others; the rest of the console still refreshes.
        api.nodes().catch((error: unknown) => {
          if (error instanceof AdminUnauthorizedError) throw error
          return error as Error
        }),
      ])
      if (destroyed) return
      const now = Date.now()
      if (live instanceof Error) nodes.unavailable(`Cannot list the nodes: ${live.message}.`)
      else nodes.update(live, now)
      table.setRooms(page.rooms, page.total, now)
      metrics.update(headline, page.total)
      // The selection may have changed while this refresh was on its way.
      if (wanted !== null && wanted === selected) {
        if (room) detail.show(room, room, now)
        else detail.showMissing(wanted)
      }
      problem.hidden = true
      element.dataset.live = 'true'
      liveLabel.textContent = `Live · updated ${new Date(now).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`
    } catch (error) {
      if (destroyed) return
      if (error instanceof AdminUnauthorizedError) {
        onUnauthorized()
        return
      }
      element.dataset.live = 'false'
      liveLabel.textContent = 'Not updating'
      problem.hidden = false
      problem.textContent = `Cannot refresh: ${(error as Error).message}. Retrying every ${REFRESH_MS / 1000} s; what is shown may be out of date.`
    }
  }

  const element = h(
    'div',
    { class: 'admin' },
    h(
      'div',
      { class: 'admin-heading' },
      h('h1', {}, 'Server overview'),
      h('p', { class: 'admin-live' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), liveLabel),
    ),
    problem,
    metrics.element,
    charts.element,
    notice,
    h(
      'div',
      { class: 'admin-columns' },
      h('div', { class: 'admin-primary' }, table.element, audit.element),
      h('div', { class: 'admin-secondary' }, detail.element, trash.element, quotas.element, nodes.element, createBroadcastForm(announce)),
    ),
    dialog.element,
  )
  const poller = startVisiblePoller(refresh, REFRESH_MS)

  return {
    element,
    destroy() {
      destroyed = true
      poller.stop()
      charts.destroy()
      trash.destroy()
      audit.destroy()
      quotas.destroy()
    },
  }
}
