/**
 * Pasting Markdown gives formatting: plain text on the clipboard that reads as Markdown (a heading,
 * a list, a quote, a fence, bold, a link…) is parsed by the same reader imports use, so unsafe
 * links lose their target and raw HTML stays text. Text that does not look like Markdown, a paste
 * as plain text (Ctrl+Shift+V) and anything pasted inside a code block keep ProseMirror's plain
 * handling.
 */
import { importDocument } from '@tandem/document'
import { Slice } from 'prosemirror-model'
import { Plugin } from 'prosemirror-state'

/** Lines or spans only Markdown writes this way. */
const MARKDOWN_SIGNS = [
  /^#{1,6}\s+\S/m, // heading
  /^\s{0,3}[-*+]\s+\S.*\n\s{0,3}[-*+]\s+\S/m, // two bullet items
  /^\s{0,3}\d{1,9}[.)]\s+\S.*\n\s{0,3}\d{1,9}[.)]\s+\S/m, // two numbered items
  /^\s{0,3}>\s?\S/m, // quote
  /^\s{0,3}(```|~~~)/m, // fence
  /\*\*[^*\n]+\*\*|__[^_\n]+__/, // bold
  /~~[^~\n]+~~/, // strike
  /\[[^\]\n]+\]\([^)\s]+\)/, // link
  /`[^`\n]+`/, // code
]

/** Whether pasted plain `text` reads as Markdown rather than prose. */
export function looksLikeMarkdown(text: string): boolean {
  return MARKDOWN_SIGNS.some((sign) => sign.test(text))
}

/** The plugin. */
export function markdownPastePlugin(): Plugin {
  return new Plugin({
    props: {
      clipboardTextParser(text, $context, plain) {
        // `null` lets ProseMirror parse the text as it always does.
        if (plain || $context.parent.type.spec.code || !looksLikeMarkdown(text)) return null as unknown as Slice
        const doc = importDocument('markdown', text)
        return Slice.maxOpen(doc.content)
      },
    },
  })
}
