/** Shows a hint such as "Start writing…" in an empty document, drawn by CSS from a data attribute. */
import { Plugin } from 'prosemirror-state'
import { Decoration, DecorationSet } from 'prosemirror-view'

/** A plugin that marks the only, empty paragraph of an empty document with `text`. */
export function placeholderPlugin(text: string): Plugin {
  return new Plugin({
    props: {
      decorations(state) {
        const { doc } = state
        const first = doc.firstChild
        if (doc.childCount !== 1 || !first || !first.isTextblock || first.content.size > 0) return null
        return DecorationSet.create(doc, [Decoration.node(0, first.nodeSize, { class: 'is-placeholder', 'data-placeholder': text })])
      },
    },
  })
}
