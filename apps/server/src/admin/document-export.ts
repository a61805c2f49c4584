/**
 * Exports a document as ProseMirror JSON, HTML, Markdown or plain text. Reads the `prosemirror`
 * XML fragment the editor binds with y-prosemirror: elements are nodes (`paragraph`, `heading` with
 * `level`, `bullet_list`, `code_block`...), text carries marks as attributes (`strong`, `em`, `code`,
 * `link` with `href`, `underline`, `strike`). Unknown nodes keep their content, so nothing is lost.
 */
import * as Y from 'yjs'

/** The editor's fragment name. */
export const EDITOR_FRAGMENT = 'prosemirror'

/** A ProseMirror JSON node. */
export interface PmNode {
  type: string
  attrs?: Record<string, unknown>
  content?: PmNode[]
  text?: string
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>
}

/** Export formats. */
export type ExportFormat = 'json' | 'html' | 'markdown' | 'text'

/** The document of `doc` as ProseMirror JSON (`{ type: 'doc', content }`). */
export function toProseMirrorJson(doc: Y.Doc): PmNode {
  return { type: 'doc', content: childrenOf(doc.getXmlFragment(EDITOR_FRAGMENT)) }
}

function childrenOf(parent: Y.XmlFragment | Y.XmlElement): PmNode[] {
  const nodes: PmNode[] = []
  for (const child of parent.toArray()) {
    if (child instanceof Y.XmlText) {
      for (const op of child.toDelta() as Array<{ insert: unknown; attributes?: Record<string, unknown> }>) {
        if (typeof op.insert !== 'string') continue
        const marks = Object.entries(op.attributes ?? {}).map(([type, value]) =>
          typeof value === 'object' && value !== null && Object.keys(value).length > 0 ? { type, attrs: value as Record<string, unknown> } : { type },
        )
        nodes.push(marks.length > 0 ? { type: 'text', text: op.insert, marks } : { type: 'text', text: op.insert })
      }
    } else if (child instanceof Y.XmlElement) {
      const attrs = child.getAttributes() as Record<string, unknown>
      const content = childrenOf(child)
      nodes.push({ type: child.nodeName, ...(Object.keys(attrs).length > 0 ? { attrs } : {}), ...(content.length > 0 ? { content } : {}) })
    }
  }
  return nodes
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!)

const MARK_TAGS: Record<string, string> = { strong: 'strong', bold: 'strong', em: 'em', italic: 'em', code: 'code', underline: 'u', strike: 's' }
const BLOCK_TAGS: Record<string, string> = {
  paragraph: 'p',
  blockquote: 'blockquote',
  bullet_list: 'ul',
  ordered_list: 'ol',
  list_item: 'li',
}

function safeHref(href: unknown): string | null {
  if (typeof href !== 'string') return null
  return /^(https?:|mailto:|\/|#)/i.test(href.trim()) ? href : null
}

/** The document as an HTML fragment. Text is escaped and only http(s)/mailto/relative links survive. */
export function toHtml(node: PmNode): string {
  const inner = (node.content ?? []).map(toHtml).join('')
  switch (node.type) {
    case 'doc':
      return inner
    case 'text': {
      let html = escapeHtml(node.text ?? '')
      for (const mark of node.marks ?? []) {
        if (mark.type === 'link') {
          const href = safeHref(mark.attrs?.href)
          html = href ? `<a href="${escapeHtml(href)}">${html}</a>` : html
        } else if (MARK_TAGS[mark.type]) html = `<${MARK_TAGS[mark.type]}>${html}</${MARK_TAGS[mark.type]}>`
      }
      return html
    }
    case 'heading': {
      const level = Math.min(6, Math.max(1, Number(node.attrs?.level) || 1))
      return `<h${level}>${inner}</h${level}>`
    }
    case 'code_block':
      return `<pre><code>${inner}</code></pre>`
    case 'horizontal_rule':
      return '<hr>'
    case 'hard_break':
      return '<br>'
    default: {
      const tag = BLOCK_TAGS[node.type]
      return tag ? `<${tag}>${inner}</${tag}>` : `<div data-type="${escapeHtml(node.type)}">${inner}</div>`
    }
  }
}

function markdownInline(nodes: PmNode[]): string {
  return nodes
    .map((node) => {
      if (node.type === 'hard_break') return '  \n'
      if (node.type !== 'text') return markdownInline(node.content ?? [])
      let text = node.text ?? ''
      const marks = new Set((node.marks ?? []).map((m) => m.type))
      if (marks.has('code')) return `\`${text}\``
      if (marks.has('strong') || marks.has('bold')) text = `**${text}**`
      if (marks.has('em') || marks.has('italic')) text = `*${text}*`
      if (marks.has('strike')) text = `~~${text}~~`
      const link = node.marks?.find((m) => m.type === 'link')
      if (link && safeHref(link.attrs?.href)) text = `[${text}](${String(link.attrs!.href)})`
      return text
    })
    .join('')
}

function markdownBlocks(nodes: PmNode[], indent = ''): string[] {
  const blocks: string[] = []
  for (const node of nodes) {
    const content = node.content ?? []
    switch (node.type) {
      case 'heading':
        blocks.push(`${indent}${'#'.repeat(Math.min(6, Math.max(1, Number(node.attrs?.level) || 1)))} ${markdownInline(content)}`)
        break
      case 'paragraph':
        blocks.push(`${indent}${markdownInline(content)}`)
        break
      case 'blockquote':
        blocks.push(markdownBlocks(content).map((line) => line.split('\n').map((l) => `${indent}> ${l}`).join('\n')).join(`\n${indent}>\n`))
        break
      case 'code_block':
        blocks.push(`${indent}\`\`\`\n${markdownInline(content)}\n${indent}\`\`\``)
        break
      case 'horizontal_rule':
        blocks.push(`${indent}---`)
        break
      case 'bullet_list':
      case 'ordered_list':
        blocks.push(
          content
            .map((item, i) => {
              const marker = node.type === 'ordered_list' ? `${i + 1}. ` : '- '
              const [first = '', ...rest] = markdownBlocks(item.content ?? [], ' '.repeat(marker.length)).map((b) => b)
              return `${indent}${marker}${first.trimStart()}${rest.length ? `\n${rest.join('\n')}` : ''}`
            })
            .join('\n'),
        )
        break
      default:
        blocks.push(...markdownBlocks(content, indent))
    }
  }
  return blocks
}

/** The document as Markdown. */
export function toMarkdown(node: PmNode): string {
  return `${markdownBlocks(node.content ?? []).join('\n\n')}\n`
}

/** The document's text, one line per block. */
export function toText(node: PmNode): string {
  const lines: string[] = []
  const walk = (nodes: PmNode[]): void => {
    for (const child of nodes) {
      if (child.type === 'text') continue
      const inline = (child.content ?? []).filter((n) => n.type === 'text' || n.type === 'hard_break')
      if (inline.length > 0) lines.push(inline.map((n) => (n.type === 'hard_break' ? '\n' : n.text ?? '')).join(''))
      walk((child.content ?? []).filter((n) => n.type !== 'text' && n.type !== 'hard_break'))
    }
  }
  walk(node.content ?? [])
  return `${lines.join('\n')}\n`
}

/** `doc` in `format`, with its content type. */
export function exportDocument(doc: Y.Doc, format: ExportFormat): { body: string; contentType: string } {
  const json = toProseMirrorJson(doc)
  switch (format) {
    case 'json':
      return { body: JSON.stringify(json, null, 2), contentType: 'application/json; charset=utf-8' }
    case 'html':
      return { body: toHtml(json), contentType: 'text/html; charset=utf-8' }
    case 'markdown':
      return { body: toMarkdown(json), contentType: 'text/markdown; charset=utf-8' }
    case 'text':
      return { body: toText(json), contentType: 'text/plain; charset=utf-8' }
  }
}
