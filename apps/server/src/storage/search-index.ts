/**
 * The search index of documents: each stored document's title, name words and text, kept by
 * `rooms/search-indexer.ts` as documents change, so the home page finds a document by a word in
 * its body without loading it. An entry goes with its document.
 */

/** What is indexed of one document. */
export interface IndexedDocument {
  name: string
  title: string
  /** The document's text, one line per block (capped by the indexer). */
  body: string
}

/** One document a search found. */
export interface SearchHit {
  name: string
  /** Text around the first match, matched words between « and ». */
  snippet: string
}

/** Where document text is indexed. */
export interface SearchIndex {
  /** Index `document`, replacing what was indexed of it; nothing for a document not stored. */
  put(document: IndexedDocument): Promise<void>
  /** Titles of indexed documents, by name. */
  titles(): Promise<Map<string, string>>
  /** Documents where every word of `query` appears (as a word or the start of one), best first. */
  search(query: string, limit: number): Promise<SearchHit[]>
  /** Stored documents not indexed yet (stored before the index existed), at most `limit`. */
  unindexed(limit: number): Promise<string[]>
}

/**
 * Words of a search query: letters and digits, lower-cased, of two characters or more (a
 * one-letter prefix matches nearly everything and costs a scan of it all), at most 10.
 */
export function queryWords(query: string): string[] {
  const words =
    query
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  return words.filter((word) => word.length >= 2).slice(0, 10)
}

/** A room name's words (`q3-plan_final` → `q3 plan final`), so names are found by their parts. */
export function nameWords(name: string): string {
  return name.replace(/[._-]+/g, ' ')
}

/** Folded for matching: lower case, no accents (nearly always one character each, so snippet offsets line up). */
export function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
}

/**
 * Whether `document` holds every word (as the start of a word), and a snippet around the first
 * word found in its text; for stores without a full-text engine (memory, PostgreSQL for now).
 */
export function matchDocument(document: IndexedDocument, words: readonly string[]): SearchHit | null {
  const haystack = ` ${fold(`${document.title} ${nameWords(document.name)} ${document.body}`)}`
  const starts = (word: string): boolean => new RegExp(`[^\\p{L}\\p{N}]${word}`, 'u').test(haystack)
  if (words.length === 0 || !words.every(starts)) return null
  return { name: document.name, snippet: snippetOf(document.body, words) }
}

/** Text of `body` around the first of `words` found in it, the match between « and »; its start when none is. */
export function snippetOf(text: string, words: readonly string[]): string {
  const body = text.replace(/\s+/g, ' ')
  const folded = fold(body)
  let at = -1
  let length = 0
  for (const word of words) {
    const found = new RegExp(`(^|[^\\p{L}\\p{N}])(${word}[\\p{L}\\p{N}]*)`, 'u').exec(folded)
    if (found && (at < 0 || found.index < at)) {
      at = found.index + found[1]!.length
      length = found[2]!.length
    }
  }
  if (at < 0) return body.slice(0, 120)
  const from = Math.max(0, at - 50)
  const to = Math.min(body.length, at + length + 60)
  return `${from > 0 ? '…' : ''}${body.slice(from, at)}«${body.slice(at, at + length)}»${body.slice(at + length, to)}${to < body.length ? '…' : ''}`
}
