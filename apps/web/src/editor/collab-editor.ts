/**
 * The ProseMirror editor bound to a Y.Doc: y-prosemirror syncs the document (in the XML fragment
 * `prosemirror`), shows remote cursors from awareness and provides per-user undo, cut into word-sized steps by
 * `undo-steps.ts`; `caret-anchor.ts` keeps the caret after the user's own text when others type at
 * the same spot.
 */
import { DOCUMENT_FRAGMENT, schema } from '@tandem/document'
import { baseKeymap } from 'prosemirror-commands'
import { dropCursor } from 'prosemirror-dropcursor'
import { gapCursor } from 'prosemirror-gapcursor'
import { keymap } from 'prosemirror-keymap'
import { type Command, EditorState, type Plugin } from 'prosemirror-state'
import { tableEditing } from 'prosemirror-tables'
import { EditorView } from 'prosemirror-view'
import { yCursorPlugin, ySyncPlugin, yUndoPlugin } from 'y-prosemirror'
import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'

import { caretAnchorPlugin } from './caret-anchor.js'
import { codeBlockHintPlugin } from './code-block-hint.js'
import { codeBlockView, codeHighlightPlugin } from './code-highlight.js'
import { editorKeymap } from './editor-keymap.js'
import { type ImageUploader, imageUploadPlugin } from './image-upload.js'
import { imageView } from './image-view.js'
import { editorInputRules } from './input-rules.js'
import { markdownPastePlugin } from './markdown-paste.js'
import { openLinkPlugin } from './open-link-plugin.js'
import { pasteHandlingPlugin, type PasteNotice } from './paste-handling.js'
import { createPersonalUndoManager } from './personal-undo.js'
import { placeholderPlugin } from './placeholder-plugin.js'
import { buildRemoteCursor, buildRemoteSelection } from './remote-cursor.js'
import { taskItemView } from './task-item-view.js'
import { undoStepsPlugin } from './undo-steps.js'

/** What {@link createCollabEditor} needs. */
export interface CollabEditorOptions {
  /** Element the editor is appended to. */
  mount: HTMLElement
  doc: Y.Doc
  awareness: Awareness
  /** Runs on Mod-k. */
  openLinkForm: Command
  /** Called after every state change, e.g. to refresh the toolbar. */
  onStateChange(state: EditorState): void
  /** Told what a paste or drop left out (images). */
  onPasteNotice: (notice: PasteNotice) => void
  /** More plugins (comment anchors), after the editor's own. */
  plugins?: Plugin[]
  /** Uploads pasted, dropped and picked images. */
  uploadImage: ImageUploader
  /** The page's sign-in, which images are fetched with in secure mode. */
  token: string | null
  /** Says what the editor could not do (an image refused). */
  onNotice: (message: string) => void
}

/** Create the editor view. Destroy it with `view.destroy()`. */
export function createCollabEditor(options: CollabEditorOptions): EditorView {
  const fragment = options.doc.getXmlFragment(DOCUMENT_FRAGMENT)
  const state = EditorState.create({
    schema,
    plugins: [
      // Before the sync plugin: its listener then runs first, and y-prosemirror keeps the selection it took.
      caretAnchorPlugin(),
      // Before the sync plugin too: it cuts undo steps just before y-prosemirror writes a change to Yjs.
      undoStepsPlugin(),
      ySyncPlugin(fragment),
      yCursorPlugin(options.awareness, { cursorBuilder: buildRemoteCursor, selectionBuilder: buildRemoteSelection }),
      yUndoPlugin({ undoManager: createPersonalUndoManager(fragment) }),
      editorKeymap(options.openLinkForm),
      keymap(baseKeymap),
      editorInputRules(),
      dropCursor({ color: 'var(--accent)', width: 2 }),
      gapCursor(),
      placeholderPlugin('Start writing…'),
      codeBlockHintPlugin(),
      codeHighlightPlugin(),
      openLinkPlugin(),
      // Before paste handling: image files on the clipboard are uploaded, not left out.
      imageUploadPlugin(options.uploadImage, options.onNotice),
      pasteHandlingPlugin(options.onPasteNotice),
      markdownPastePlugin(),
      // Cell selections, table-aware copy and paste, and repair of tables a merge left ragged.
      tableEditing(),
      ...(options.plugins ?? []),
    ],
  })
  const view = new EditorView(options.mount, {
    state,
    nodeViews: { task_item: taskItemView, code_block: codeBlockView, image: imageView(options.token) },
    attributes: {
      id: 'document',
      class: 'document',
      role: 'textbox',
      'aria-multiline': 'true',
      'aria-label': 'Document',
      spellcheck: 'true',
    },
    // `this`, not the `view` constant: plugins (y-prosemirror's sync) dispatch while the view is being built.
    dispatchTransaction(this: EditorView, transaction) {
      this.updateState(this.state.apply(transaction))
      options.onStateChange(this.state)
    },
  })
  options.onStateChange(view.state)
  return view
}
