/**
 * Links in an editable document do not navigate on click (the click places the cursor), so
 * Cmd/Ctrl-click opens them in a new tab, as in other editors.
 */
import { safeHref, schema } from '@tandem/document'
import { Plugin } from 'prosemirror-state'

/** A plugin opening the link under a Cmd/Ctrl-click in a new tab. */
export function openLinkPlugin(): Plugin {
  return new Plugin({
    props: {
      handleClick(view, pos, event) {
        if (!(event.metaKey || event.ctrlKey)) return false
        const link = schema.marks.link!.isInSet(view.state.doc.resolve(pos).marks())
        const href = link ? safeHref(String(link.attrs.href)) : null
        if (!href) return false
        window.open(href, '_blank', 'noopener,noreferrer')
        return true
      },
    },
  })
}
