// Fails when folders of the server import each other in a circle (`npm run lint`). dependency-cruiser
// finds module cycles; this collapses modules into their top folder (tests and test-support left out)
// and looks for cycles between folders, which module-level rules do not see.
import { cruise } from 'dependency-cruiser'

const ROOT = 'apps/server/src/'
const result = await cruise([ROOT], {
  exclude: { path: '\\.test\\.ts$|/test-support/|/dist/' },
  tsPreCompilationDeps: true,
  doNotFollow: { path: 'node_modules' },
  collapse: `^${ROOT}[^/]+/|^${ROOT}[^/]+\\.ts$`,
})
const edges = new Map()
for (const module of result.output.modules) {
  if (!module.source.startsWith(ROOT)) continue
  const targets = module.dependencies.map((dependency) => dependency.resolved).filter((to) => to.startsWith(ROOT) && to !== module.source)
  edges.set(module.source, new Set(targets))
}

// Tarjan's strongly connected components: any with more than one folder is a cycle.
let index = 0
const order = new Map()
const low = new Map()
const stack = []
const onStack = new Set()
const cycles = []
function visit(node) {
  order.set(node, index)
  low.set(node, index++)
  stack.push(node)
  onStack.add(node)
  for (const next of edges.get(node) ?? []) {
    if (!order.has(next)) {
      visit(next)
      low.set(node, Math.min(low.get(node), low.get(next)))
    } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), order.get(next)))
  }
  if (low.get(node) !== order.get(node)) return
  const component = []
  let member
  do {
    member = stack.pop()
    onStack.delete(member)
    component.push(member)
  } while (member !== node)
  if (component.length > 1) cycles.push(component.sort())
}
for (const node of edges.keys()) if (!order.has(node)) visit(node)

if (cycles.length === 0) {
  console.log(`no folder cycles in ${ROOT} (${edges.size} folders and root files)`)
} else {
  for (const cycle of cycles) {
    console.error(`folders importing each other: ${cycle.join(' ↔ ')}`)
    for (const from of cycle) {
      for (const to of edges.get(from)) if (cycle.includes(to)) console.error(`  ${from} → ${to}`)
    }
  }
  process.exitCode = 1
}
