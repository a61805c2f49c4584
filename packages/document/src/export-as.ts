/** One call for every export format: the file's body, type and extension. */
import type { Node } from 'prosemirror-model'

import { toHtml } from './to-html.js'
import { toMarkdown } from './to-markdown.js'
import { toText } from './to-text.js'

/** The formats a document is exported in besides its raw JSON. */
export type DocumentFormat = 'html' | 'markdown' | 'text'

const TYPES: Record<DocumentFormat, { contentType: string; extension: string }> = {
  html: { contentType: 'text/html; charset=utf-8', extension: 'html' },
  markdown: { contentType: 'text/markdown; charset=utf-8', extension: 'md' },
  text: { contentType: 'text/plain; charset=utf-8', extension: 'txt' },
}

/** `doc` (titled `title`) in `format`. */
export function exportAs(doc: Node, format: DocumentFormat, title: string): { body: string; contentType: string; extension: string } {
  const body = format === 'html' ? toHtml(doc, title) : format === 'markdown' ? toMarkdown(doc) : toText(doc)
  return { body, ...TYPES[format] }
}
