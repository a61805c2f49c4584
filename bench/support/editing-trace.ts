/**
 * The automerge-paper editing trace: every keystroke of writing a LaTeX paper (259,778 transactions,
 * final document 104,852 characters). CC BY 4.0, Martin Kleppmann / automerge-perf, converted to this
 * format by Joseph Gentle (github.com/josephg/editing-traces).
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'

import type * as Y from 'yjs'

/** Where the trace is expected: `/work/shared/data` next to the repository, not inside it (it is 900 KB). */
export const EDITING_TRACE_FILE = fileURLToPath(new URL('../../../shared/data/automerge-paper.json.gz', import.meta.url))

/** Credit line to print wherever results from the trace are shown. */
export const EDITING_TRACE_CREDIT =
  'automerge-paper trace: CC BY 4.0, Martin Kleppmann / automerge-perf, converted by Joseph Gentle (josephg/editing-traces)'

/** `[position, deletedCount, insertedText]`; positions count code points, which is UTF-16 units for this ASCII trace. */
export type Patch = [position: number, deleted: number, inserted: string]

/** The decoded trace file. */
export interface EditingTrace {
  startContent: string
  endContent: string
  txns: Array<{ time: string; patches: Patch[] }>
}

/** Read and decode the trace; `null` when the file is not there, so callers can skip instead of crash. */
export async function loadEditingTrace(file = EDITING_TRACE_FILE): Promise<EditingTrace | null> {
  let compressed: Buffer
  try {
    compressed = await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  const trace = JSON.parse(gunzipSync(compressed).toString('utf8')) as Partial<EditingTrace>
  if (typeof trace.startContent !== 'string' || typeof trace.endContent !== 'string' || !Array.isArray(trace.txns)) {
    throw new Error(`${file} is not an editing trace ({startContent, endContent, txns})`)
  }
  return trace as EditingTrace
}

/**
 * Group consecutive transactions so the replay produces about `targetUpdates` Yjs updates: one update
 * per keystroke would measure per-frame overhead 260k times, while real editors batch a few keystrokes
 * per frame anyway.
 */
export function groupTransactions(trace: EditingTrace, targetUpdates: number): Patch[][] {
  const perGroup = Math.max(1, Math.ceil(trace.txns.length / targetUpdates))
  const groups: Patch[][] = []
  for (let start = 0; start < trace.txns.length; start += perGroup) {
    groups.push(trace.txns.slice(start, start + perGroup).flatMap((txn) => txn.patches))
  }
  return groups
}

/** Apply `patches` to `text` in order (call inside `doc.transact` to make them one update). */
export function applyPatches(text: Y.Text, patches: readonly Patch[]): void {
  for (const [position, deleted, inserted] of patches) {
    if (deleted > 0) text.delete(position, deleted)
    if (inserted.length > 0) text.insert(position, inserted)
  }
}
