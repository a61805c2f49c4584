/**
 * How deeply a published JSON value nests. `JSON.parse` is iterative in V8 and accepts any depth,
 * but `JSON.stringify`, which every publish and every delivery runs, recurses and throws a
 * `RangeError` a few thousand levels down: 10 KB of `[` is enough. So publishers refuse values
 * nested deeper than `MAX_PUBLISH_DEPTH` before anything serializes them.
 */

/**
 * Why `value` nests deeper than `maxDepth` arrays/objects, or `null` when it does not. A scalar has
 * depth 0, `[]` and `{}` depth 1. Walks with an explicit stack, so it is safe at any depth itself.
 * @example
 * jsonDepthProblem(JSON.parse('[[[1]]]'), 2) // 'JSON nested deeper than 2 levels'
 */
export function jsonDepthProblem(value: unknown, maxDepth: number): string | null {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue
    const depth = next.depth + 1
    if (depth > maxDepth) return `JSON nested deeper than ${maxDepth} levels`
    for (const child of Array.isArray(next.value) ? next.value : Object.values(next.value)) pending.push({ value: child, depth })
  }
  return null
}
