/** One call for every export format: the file's body, type and extension. */
import type { Node } from 'prosemirror-model'

import { toHtml } from './to-html.js'
import { toMarkdown } from './to-markdown.js'
import { toText } from './to-text.js'

/** The formats a document is exported in besides its raw JSON. */
export type DocumentFormat = 'html' | 'markdown' | 'text'

/** The file extension of each export format, the raw JSON included. */
export const EXPORT_FILE_EXTENSIONS = { json: 'json', html: 'html', markdown: 'md', text: 'txt' } as const

const CONTENT_TYPES: Record<DocumentFormat, string> = {
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  text: 'text/plain; charset=utf-8',
}

/** `doc` (titled `title`) in `format`. */
export function exportAs(doc: Node, format: DocumentFormat, title: string): { body: string; contentType: string; extension: string } {
  const body = format === 'html' ? toHtml(doc, title) : format === 'markdown' ? toMarkdown(doc) : toText(doc)
  return { body, contentType: CONTENT_TYPES[format], extension: EXPORT_FILE_EXTENSIONS[format] }
}
