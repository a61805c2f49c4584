/**
 * A read-only view of a version, with what changed since the version before it marked: new text
 * highlighted, removed text struck through where it was.
 */
import { type PmNode, readDocument, schema } from '@tandem/document'
import { EditorState } from 'prosemirror-state'
import { Decoration, DecorationSet, EditorView } from 'prosemirror-view'

import { h } from '../shell/element.js'
import { versionChanges } from './version-diff.js'

/** Decorations marking `changes` on `doc`. */
function decorationsFor(doc: ReturnType<typeof readDocument>, older: ReturnType<typeof readDocument> | null): DecorationSet {
  if (!older) return DecorationSet.empty
  const decorations: Decoration[] = []
  for (const change of versionChanges(older, doc)) {
    if (change.kind === 'inserted') decorations.push(Decoration.inline(change.from, change.to, { class: 'diff-inserted' }))
    else if (change.kind === 'inserted-block') decorations.push(Decoration.node(change.pos, change.end, { class: 'diff-inserted-block' }))
    else {
      const text = change.text
      decorations.push(
        Decoration.widget(change.at, () => h('del', { class: 'diff-deleted', 'aria-label': `removed: ${text}` }, text), {
          side: -1,
          ignoreSelection: true,
        }),
      )
    }
  }
  return DecorationSet.create(doc, decorations)
}

/** Render `version` (ProseMirror JSON) read-only into `mount`, marking what changed since `previous` (none for the oldest). */
export function createVersionPreview(mount: HTMLElement, version: PmNode, previous: PmNode | null): EditorView {
  const doc = readDocument(version)
  const decorations = decorationsFor(doc, previous ? readDocument(previous) : null)
  return new EditorView(mount, {
    state: EditorState.create({ schema, doc }),
    editable: () => false,
    decorations: () => decorations,
    attributes: { class: 'document version-document', 'aria-label': 'The document at this version', 'aria-readonly': 'true' },
  })
}
