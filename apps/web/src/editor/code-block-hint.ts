/**
 * While the caret is in a code block, says how to leave it (Enter stays a newline there), drawn by
 * CSS from a data attribute under the block's text.
 */
import { schema } from '@tandem/document'
import { Plugin } from 'prosemirror-state'
import { Decoration, DecorationSet } from 'prosemirror-view'

/** The hint shown under the code block holding the caret. */
const CODE_BLOCK_HINT = 'Enter on an empty last line, or Shift+Enter, leaves the code block'

/** A plugin that marks the code block holding the selection's head with {@link CODE_BLOCK_HINT}. */
export function codeBlockHintPlugin(): Plugin {
  return new Plugin({
    props: {
      decorations(state) {
        const { $head } = state.selection
        if ($head.parent.type !== schema.nodes.code_block) return null
        const start = $head.before()
        return DecorationSet.create(state.doc, [
          Decoration.node(start, start + $head.parent.nodeSize, { class: 'has-hint', 'data-hint': CODE_BLOCK_HINT }),
        ])
      },
    },
  })
}
