/** Which threads of a document's `comments` map a batch of deep events touched. */
import type * as Y from 'yjs'

/**
 * Ids of the threads `events` (from `comments.observeDeep`) changed: keys of the map itself (threads
 * added, replaced or deleted), and the thread at the top of the path of every deeper change.
 */
export function touchedThreads(comments: Y.Map<unknown>, events: ReadonlyArray<Y.YEvent<Y.AbstractType<unknown>>>): Set<string> {
  const touched = new Set<string>()
  for (const event of events) {
    if (event.target === comments) {
      for (const key of event.changes.keys.keys()) touched.add(key)
    } else {
      const key = event.path[0]
      if (typeof key === 'string') touched.add(key)
    }
  }
  return touched
}
