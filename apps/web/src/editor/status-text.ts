/** The words of the connection and save indicator, from the connection state. */
import type { DocumentConnectionState } from '@tandem/client'

/** What the indicator shows. `save` is `null` until you have changed something. */
export interface StatusText {
  connection: string
  /** Longer explanation for the tooltip. */
  detail: string
  /** "Saved", "Saving…", or while not live "3 changes not saved yet" (kept in this browser meanwhile). */
  save: string | null
  /**
   * Both in the few words a phone's header has room for: the save state while live, else why not
   * live (with "unsaved" when changes wait on this page).
   */
  short: string
}

/** Describe `state` at time `now` (ms since the epoch); `edited` says whether you changed anything. */
export function statusText(state: DocumentConnectionState, edited: boolean, now: number): StatusText {
  const unsaved = state.unsavedChanges
  const save =
    !edited && unsaved === 0
      ? null
      : state.saved
        ? 'Saved'
        : state.status === 'live'
          ? 'Saving…'
          : `${unsaved} ${unsaved === 1 ? 'change' : 'changes'} not saved yet`
  const long = describe(state, save, now)
  const waiting = !state.saved && state.status !== 'live' ? ', unsaved' : ''
  const short =
    state.status === 'live'
      ? (save ?? 'Live')
      : state.status === 'connecting'
        ? 'Connecting…'
        : state.refused
          ? 'Disconnected'
          : state.rateLimited
            ? `Server busy${waiting}`
            : `${state.deviceOnline ? 'Can’t connect' : 'Offline'}${waiting}`
  return { ...long, short }
}

function describe(state: DocumentConnectionState, save: StatusText['save'], now: number): Omit<StatusText, 'short'> {
  switch (state.status) {
    case 'connecting':
      return { connection: 'Connecting…', detail: 'Connecting to the server', save }
    case 'live':
      return { connection: 'Live', detail: 'Connected: changes are shared as you type', save }
    case 'offline': {
      if (state.refused) {
        return {
          connection: 'Disconnected',
          detail: `The server closed this document${state.refused.reason ? `: ${state.refused.reason}` : ''}`,
          save,
        }
      }
      const keep = 'Your changes are kept in this browser, even if you close it, and sent when the connection returns.'
      if (!state.deviceOnline) return { connection: 'You’re offline', detail: `This device has no network connection. ${keep}`, save }
      const retrying = state.nextAttemptAt === null ? '' : `, retrying in ${Math.max(1, Math.ceil((state.nextAttemptAt - now) / 1000))} s`
      if (state.rateLimited) {
        return {
          connection: 'Server busy',
          detail: `The server asked this page to slow down (too many connections from your network, or too many new documents at once)${retrying}. ${keep}`,
          save,
        }
      }
      return { connection: 'Can’t reach server', detail: `The network is up but the server does not answer${retrying}. ${keep}`, save }
    }
  }
}
