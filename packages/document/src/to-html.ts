/**
 * The document as a standalone HTML file: doctype, UTF-8 charset, the document's name as title and
 * a small reading style, so it opens as a readable page anywhere and prints well. Text is escaped
 * and only the link targets the editor would follow survive (`safeHref`); the markup is the same the
 * editor's own parser reads, so the file pastes back into Tandem as the document it was.
 */
import type { Mark, Node } from 'prosemirror-model'

import { safeHref } from './safe-href.js'
import { IMAGE_SRC } from './schema.js'

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!)

const MARK_TAGS: Readonly<Record<string, string>> = { strong: 'strong', em: 'em', code: 'code', underline: 'u', strike: 's' }
const BLOCK_TAGS: Readonly<Record<string, string>> = {
  paragraph: 'p',
  blockquote: 'blockquote',
  bullet_list: 'ul',
  list_item: 'li',
  table_row: 'tr',
  table_cell: 'td',
  table_header: 'th',
}

const STYLE = [
  'body{max-width:42rem;margin:2.5rem auto;padding:0 1.25rem;font:16px/1.65 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c1e21}',
  'pre{padding:.75rem 1rem;overflow:auto;background:#f4f4f1;border-radius:6px}',
  'code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}',
  'blockquote{margin-left:0;padding-left:1rem;border-left:3px solid #cfcfc8;color:#444}',
  'hr{border:0;border-top:1px solid #cfcfc8;margin:1.5rem 0}',
  'table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #cfcfc8;padding:.35rem .6rem;vertical-align:top;text-align:left}th{background:#f4f4f1}',
  'img{max-width:100%;height:auto}td>p,th>p{margin:0}ul.task-list{list-style:none;padding-left:.25rem}ul.task-list input{margin-right:.5rem}',
].join('')

/** `doc` as a complete HTML page titled `title`. */
export function toHtml(doc: Node, title: string): string {
  const out: string[] = [
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    `<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n`,
  ]
  doc.forEach((block) => {
    writeNode(block, out)
    out.push('\n')
  })
  out.push('</body>\n</html>\n')
  return out.join('')
}

function writeNode(node: Node, out: string[]): void {
  const children = (): void => node.forEach((child) => writeNode(child, out))
  switch (node.type.name) {
    case 'text':
      out.push(withMarks(escapeHtml(node.text ?? ''), node.marks))
      return
    case 'hard_break':
      out.push('<br>')
      return
    case 'image': {
      const src = node.attrs.src as string
      const title = node.attrs.title as string | null
      if (IMAGE_SRC.test(src)) {
        out.push(
          `<img src="${escapeHtml(src)}" alt="${escapeHtml(node.attrs.alt as string)}"${title ? ` title="${escapeHtml(title)}"` : ''}>`,
        )
      }
      return
    }
    case 'horizontal_rule':
      out.push('<hr>')
      return
    case 'heading': {
      const tag = `h${node.attrs.level as number}`
      out.push(`<${tag}>`)
      children()
      out.push(`</${tag}>`)
      return
    }
    case 'code_block': {
      const language = /^[\w+#-]{1,40}$/.test(node.attrs.language as string) ? (node.attrs.language as string) : ''
      out.push(language ? `<pre><code class="language-${language}">` : '<pre><code>', escapeHtml(node.textContent), '</code></pre>')
      return
    }
    case 'task_list':
      out.push('<ul class="task-list">')
      children()
      out.push('</ul>')
      return
    case 'task_item':
      out.push(`<li><input type="checkbox" disabled${node.attrs.checked ? ' checked' : ''}>`)
      children()
      out.push('</li>')
      return
    case 'table':
      out.push('<table>')
      children()
      out.push('</table>')
      return
    case 'ordered_list': {
      const order = node.attrs.order as number
      out.push(order === 1 ? '<ol>' : `<ol start="${order}">`)
      children()
      out.push('</ol>')
      return
    }
    default: {
      const tag = BLOCK_TAGS[node.type.name] ?? 'div'
      out.push(`<${tag}>`)
      children()
      out.push(`</${tag}>`)
    }
  }
}

function withMarks(html: string, marks: readonly Mark[]): string {
  let wrapped = html
  // Innermost first: the schema orders marks link, strong, em..., so the link ends up outermost.
  for (let i = marks.length - 1; i >= 0; i--) {
    const mark = marks[i]!
    if (mark.type.name === 'link') {
      const href = safeHref(String(mark.attrs.href))
      const title = mark.attrs.title as string | null
      if (href) wrapped = `<a href="${escapeHtml(href)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${wrapped}</a>`
    } else {
      const tag = MARK_TAGS[mark.type.name]
      if (tag) wrapped = `<${tag}>${wrapped}</${tag}>`
    }
  }
  return wrapped
}
