import { replay, TARGET_UPDATES } from './collab-trace.js'
import { CollabClient } from './support/collab-client.js'
import { summarize } from './support/distribution.js'
import { groupTransactions, loadEditingTrace } from './support/editing-trace.js'
const url = process.argv[2]!
const trace = (await loadEditingTrace())!
const batches = groupTransactions(trace, TARGET_UPDATES)
for (let i = 0; i < Number(process.argv[3] ?? 1); i++) {
  const room = `relay-${Date.now()}`
  const w = await CollabClient.connect(url, room)
  const r = await CollabClient.connect(url, room)
  const res = await replay(w, r, batches)
  const s = summarize(res.relayLatencies)
  console.log(`replay ${res.replayMs.toFixed(0)} ms relay p50 ${s.p50.toFixed(3)} p99 ${s.p99.toFixed(3)}`)
  w.destroy()
  r.destroy()
}
process.exit(0)
