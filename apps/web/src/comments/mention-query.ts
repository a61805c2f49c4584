/** The `@` mention being typed at the caret of a comment box, if any. */

/** A person the picker can offer. */
export interface Candidate {
  /** Token subject; `null` in open mode, where a mention is only text. */
  id: string | null
  name: string
  color: string | null
}

/** The `@word` ending at `caret` in `text`: where it starts and what was typed after the `@`. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret)
  const match = /(^|\s)@([^\s@]{0,40})$/.exec(before)
  if (!match) return null
  return { start: before.length - match[2]!.length - 1, query: match[2]! }
}

/** The candidates whose name starts (or has a word starting) with `query`, best first, at most `limit`. */
export function matchCandidates(candidates: readonly Candidate[], query: string, limit = 8): Candidate[] {
  const q = query.toLowerCase()
  const scored: Array<{ candidate: Candidate; score: number }> = []
  for (const candidate of candidates) {
    const name = candidate.name.toLowerCase()
    const score = name.startsWith(q) ? 0 : name.split(/\s+/).some((word) => word.startsWith(q)) ? 1 : -1
    if (score >= 0) scored.push({ candidate, score })
  }
  return scored
    .sort((a, b) => a.score - b.score || a.candidate.name.localeCompare(b.candidate.name))
    .slice(0, limit)
    .map((item) => item.candidate)
}

/** `people` without repeats (same id, or same name when without id) and without `self`. */
export function uniquePeople(people: readonly Candidate[], selfId: string | null, selfName: string): Candidate[] {
  const seen = new Set<string>()
  const result: Candidate[] = []
  for (const person of people) {
    if (!person.name.trim()) continue
    if (person.id !== null ? person.id === selfId : person.name === selfName) continue
    const key = person.id !== null ? `u:${person.id}` : `n:${person.name}`
    if (seen.has(key)) continue
    seen.add(key)
    result.push(person)
  }
  return result
}
