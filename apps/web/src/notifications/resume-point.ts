/**
 * The id of the last channel message this browser has seen, kept in `localStorage` so the next page
 * resumes after it (`NotificationsClient`'s `since`) and gets exactly what it missed while closed.
 *
 * Ids are server-wide and increase, and every page subscribes to every inbox channel, so the highest
 * id any tab has seen is a safe place for all tabs to resume from: what came before it is already in
 * the shared inbox. Hence {@link ResumePoint.advance} never moves backwards.
 */

/** The `localStorage` key of the last seen message id. */
export const RESUME_STORAGE_KEY = 'tandem.notifications.lastId'

/** Read and advance the stored last message id. */
export interface ResumePoint {
  /** The stored id, or `null` when this browser has never received a message. */
  load(): number | null
  /** Store `id` unless a higher one is stored already. */
  advance(id: number): void
}

function parseId(value: string | null): number | null {
  if (value === null || !/^\d{1,16}$/.test(value)) return null
  const id = Number(value)
  return Number.isSafeInteger(id) ? id : null
}

/** The resume point kept in `storage` under `key`. */
export function createResumePoint(storage: Pick<Storage, 'getItem' | 'setItem'>, key = RESUME_STORAGE_KEY): ResumePoint {
  const load = (): number | null => {
    try {
      return parseId(storage.getItem(key))
    } catch {
      return null
    }
  }
  return {
    load,
    advance(id) {
      const stored = load()
      if (stored !== null && stored >= id) return
      try {
        storage.setItem(key, String(id))
      } catch {
        // Without storage the next page simply starts live, as on a first visit.
      }
    },
  }
}
