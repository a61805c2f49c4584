/**
 * A document's comment threads as notes at the end of an export: each thread with the text it is
 * about, its comments in order (deleted ones left out) and whether it was resolved. Plain text and
 * Markdown get a "Comments" section appended; HTML gets it before `</body>`, escaped.
 */
import { type CommentThread, readThreads } from '@tandem/protocol'
import type * as Y from 'yjs'

/** The formats that carry notes (the JSON export is the ProseMirror document alone). */
type NotedFormat = 'html' | 'markdown' | 'text'

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** Markdown-significant characters escaped, so a comment cannot add headings, links or HTML. */
const escapeMarkdown = (text: string): string => text.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, '\\$&')

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

function noted(threads: CommentThread[]): CommentThread[] {
  return threads.filter((thread) => thread.entries.some((entry) => !entry.deleted))
}

/** The notes of `doc` in `format`, or `''` when it has no comments. */
function commentNotes(doc: Y.Doc, format: NotedFormat): string {
  const threads = noted(readThreads(doc))
  if (threads.length === 0) return ''
  if (format === 'html') {
    const items = threads.map((thread) => {
      const entries = thread.entries
        .filter((entry) => !entry.deleted)
        .map((entry) => `<p><strong>${escapeHtml(entry.author.name)}</strong>: ${escapeHtml(entry.body)}</p>`)
        .join('')
      const resolved = thread.resolved ? '<p><em>Resolved</em></p>' : ''
      return `<li><blockquote>${escapeHtml(oneLine(thread.quote))}</blockquote>${entries}${resolved}</li>`
    })
    return `<section class="comments">\n<h2>Comments</h2>\n<ol>\n${items.join('\n')}\n</ol>\n</section>\n`
  }
  if (format === 'markdown') {
    const items = threads.map((thread, index) => {
      const lines = [`${index + 1}. > ${escapeMarkdown(oneLine(thread.quote))}`]
      for (const entry of thread.entries) {
        if (!entry.deleted) lines.push(`   - **${escapeMarkdown(entry.author.name)}**: ${escapeMarkdown(oneLine(entry.body))}`)
      }
      if (thread.resolved) lines.push('   - *Resolved*')
      return lines.join('\n')
    })
    return `\n---\n\n## Comments\n\n${items.join('\n')}\n`
  }
  const items = threads.map((thread, index) => {
    const lines = [`[${index + 1}] “${oneLine(thread.quote)}”${thread.resolved ? ' (resolved)' : ''}`]
    for (const entry of thread.entries) if (!entry.deleted) lines.push(`    ${entry.author.name}: ${oneLine(entry.body)}`)
    return lines.join('\n')
  })
  return `\n\nComments\n\n${items.join('\n')}\n`
}

/** `body` (an export in `format`) with the notes of `doc` added where they belong. */
export function withCommentNotes(doc: Y.Doc, format: NotedFormat, body: string): string {
  const notes = commentNotes(doc, format)
  if (!notes) return body
  if (format !== 'html') return `${body.replace(/\s+$/, '')}${notes}`
  const end = body.lastIndexOf('</body>')
  return end === -1 ? `${body}${notes}` : `${body.slice(0, end)}${notes}${body.slice(end)}`
}
