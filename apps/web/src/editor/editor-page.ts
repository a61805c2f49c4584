/**
 * `/d/<room>`: the collaborative editor. Composes the connection from `@tandem/client` with the
 * ProseMirror editor, toolbar, presence list and status badge; this file only wires them together.
 */
import { connectDocument, providerTransport } from '@tandem/client'
import { CloseCode } from '@tandem/protocol'
import { keymap } from 'prosemirror-keymap'
import type { EditorView } from 'prosemirror-view'
import * as Y from 'yjs'

import { createAuthorsView } from '../authors/authors-view.js'
import { commentAnchorsPlugin } from '../comments/comment-anchors.js'
import { createCommentsPanel } from '../comments/comments-panel.js'
import { createHistoryPanel } from '../history/history-panel.js'
import { versionsApi } from '../history/versions-api.js'
import type { IdentityStore } from '../identity/identity-store.js'
import {
  accessInCopy,
  copyScope,
  forgetLocalCopy,
  openLocalCopy,
  recordAccess,
  recordUnsaved,
  unsavedInCopy,
} from '../offline/local-copies.js'
import { renderMessagePage } from '../pages/message-page.js'
import { takeTokenFromUrl } from '../session/access-token.js'
import { tokenClaims } from '../session/token-claims.js'
import type { AppShell } from '../shell/app-shell.js'
import { h } from '../shell/element.js'
import { createCollabEditor } from './collab-editor.js'
import { createCopyLinkButton } from './copy-link-button.js'
import { createDownloadMenu } from './download-menu.js'
import { createEditorNotice } from './editor-notice.js'
import { IMAGE_ACCEPT, imageUploader, insertImages } from './image-upload.js'
import { createKeepACopy, hasContent } from './keep-a-copy.js'
import { pasteNoticeText } from './paste-handling.js'
import { createPresenceList } from './presence-list.js'
import { refusalMessage } from './refusal-message.js'
import { createStatusIndicator } from './status-indicator.js'
import { createTitleField } from './title-field.js'
import { createToolbar } from './toolbar.js'

/** The collab endpoint on the server that served this page (same host and port). */
function collabUrl(): string {
  const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${protocol}//${location.host}/collab`
}

/** Render the editor for `room` into the shell; `token` is the page's sign-in (secure mode) or `null`. */
export function renderEditorPage(shell: AppShell, room: string, identity: IdentityStore, token: string | null): void {
  document.title = `${room} · Tandem`
  const doc = new Y.Doc()
  // This browser's copy: the document opens without a network, and edits survive a reload or a
  // browser restart until the server has them.
  const scope = copyScope(token)
  const copy = openLocalCopy(scope, room, doc)
  // The stored token is all this page has; `getToken` is where a refreshing source would plug in.
  const connection = connectDocument({
    serverUrl: collabUrl(),
    room,
    doc,
    ...(token ? { getToken: async () => token } : {}),
    isRemoteOrigin: (origin) => origin === copy.origin,
    unsavedAtStart: unsavedInCopy(scope, room),
  })
  connection.onStateChange(({ unsavedChanges }) => recordUnsaved(scope, room, unsavedChanges))
  connection.awareness.setLocalStateField('user', identity.get())
  identity.subscribe((user) => connection.awareness.setLocalStateField('user', user))
  // Notifications ride on the document socket (message type 100): no second connection per page.
  shell.notifications.connect(() => providerTransport(connection.provider))

  const presence = createPresenceList(connection.awareness)
  const status = createStatusIndicator(connection)
  // A version preview takes the editor's place; the editor stays live underneath, hidden.
  const previewHost = h('div', { class: 'version-preview', hidden: true })
  const editorParts: HTMLElement[] = []
  const history = createHistoryPanel(versionsApi(room, token), {
    element: previewHost,
    onPreview: (shown) => {
      previewHost.hidden = !shown
      for (const part of editorParts) part.hidden = shown
    },
  })
  let view: ReturnType<typeof createCollabEditor> | null = null
  /** The server said this connection may only read: nothing on the page offers to change the document. */
  let readOnly = false
  const viewOnlyBadge = h(
    'span',
    { class: 'view-only-badge', hidden: true, title: 'You can read this document and see others edit it, but not change it' },
    'View only',
  )
  const comments = createCommentsPanel({
    doc,
    awareness: connection.awareness,
    view: () => view,
    // Secure mode: the token's user, which the server stamps on every comment anyway.
    me: () => {
      const claims = tokenClaims(token)
      if (claims) return { id: claims.sub, name: claims.name, color: claims.color }
      const { name, color } = identity.get()
      return { id: null, name, color }
    },
  })
  // One drawer at a time on the right: opening comments closes the history, and the other way round.
  comments.toggle.addEventListener('click', () => {
    if (comments.toggle.getAttribute('aria-expanded') === 'true') history.close()
  })
  history.toggle.addEventListener('click', () => {
    if (history.toggle.getAttribute('aria-expanded') === 'true' && comments.toggle.getAttribute('aria-expanded') === 'true')
      comments.toggle.click()
  })
  const titleField = createTitleField(doc, room, () => !readOnly)
  shell.context.replaceChildren(titleField.element)
  shell.actions.replaceChildren(
    presence.element,
    viewOnlyBadge,
    status.element,
    comments.toggle,
    history.toggle,
    createDownloadMenu(room, token, (message) => notice.show(message)),
    createCopyLinkButton(() => takeTokenFromUrl(location.href).cleanHref),
  )

  const mount = h('div', { class: 'editor-mount' })
  // Cards in the margin follow the text they are about; placed at most once a frame.
  let layoutFrame = 0
  const scheduleLayout = (): void => {
    if (layoutFrame) return
    layoutFrame = requestAnimationFrame(() => {
      layoutFrame = 0
      comments.layout()
    })
  }
  const notice = createEditorNotice()
  const uploadImage = imageUploader(room, token)
  const pickImage = (target: EditorView): void => {
    const input = h('input', { type: 'file', accept: IMAGE_ACCEPT, multiple: true })
    input.addEventListener('change', () => {
      insertImages(target, [...(input.files ?? [])], uploadImage, (message) => notice.show(message))
    })
    input.click()
  }
  const toolbar = createToolbar(() => {
    if (!view) throw new Error('the editor is not ready')
    return view
  }, pickImage)
  const authors = createAuthorsView(doc)
  const toolbarBar = h(
    'div',
    { class: 'toolbar-bar' },
    // Before the toolbar in the tab order: Shift+Tab from the text lands on the formatting tools.
    h('div', { class: 'toolbar-inner' }, authors.toggle, toolbar.element, toolbar.linkForm),
    authors.legend,
    notice.element,
  )
  const page = h('article', { class: 'page' }, mount)
  editorParts.push(toolbarBar, page)
  shell.main.replaceChildren(toolbarBar, page, previewHost, history.element, comments.element)
  view = createCollabEditor({
    mount,
    doc,
    awareness: connection.awareness,
    openLinkForm: toolbar.openLinkForm,
    onStateChange: (state) => {
      toolbar.update(state)
      scheduleLayout()
    },
    onPasteNotice: (pasted) => notice.show(pasteNoticeText(pasted)),
    uploadImage,
    token,
    onNotice: (message) => notice.show(message),
    plugins: [
      authors.plugin,
      commentAnchorsPlugin(doc, (id) => void comments.reveal(id)),
      keymap({ 'Mod-Alt-m': () => !readOnly && comments.startOnSelection() }),
    ],
  })
  // A link to a comment (from a mention in the inbox) opens the document at its thread.
  const revealLinked = (): void => {
    const linked = /^#comment-(.+)$/.exec(location.hash)
    if (linked) void comments.reveal(decodeURIComponent(linked[1]!))
  }
  revealLinked()
  // The inbox of this very document's page only changes the fragment: no new page load.
  window.addEventListener('hashchange', revealLinked)
  const detachAuthors = authors.attach(view)
  view.focus()

  let copyReady = false
  void copy.loaded.then(() => (copyReady = true))
  const guardUnsaved = (event: BeforeUnloadEvent): void => {
    // Without a working local copy (private mode may refuse IndexedDB), changes the server has not
    // confirmed exist only in this page: leaving would lose them.
    if (!copyReady && !connection.state.saved) event.preventDefault()
  }
  window.addEventListener('beforeunload', guardUnsaved)

  // A deleted document or a refused sign-in is final: explain it instead of an editor that cannot save.
  let shownRefusal = false
  const showRefusal = (code: number, reason: string): void => {
    const message = refusalMessage(code, room, reason)
    if (!message || shownRefusal) return
    shownRefusal = true
    window.removeEventListener('beforeunload', guardUnsaved)
    // What the page showed, unsaved edits included: offered to copy or download below the message.
    const kept = view && hasContent(view.state.doc) ? createKeepACopy(view.state.doc, room) : undefined
    window.removeEventListener('hashchange', revealLinked)
    detachAuthors()
    view?.destroy()
    history.destroy()
    comments.destroy()
    titleField.destroy()
    presence.destroy()
    status.destroy()
    connection.destroy()
    copy.close()
    // A deleted document, or one this person may no longer open, is not kept in the browser either;
    // nor edits a full document refused (they are offered as a copy above), which would be refused again.
    if (code === CloseCode.RoomDeleted || code === CloseCode.Forbidden || code === CloseCode.DocumentFull) void forgetLocalCopy(scope, room)
    shell.actions.replaceChildren()
    shell.main.classList.remove('read-only')
    renderMessagePage(shell, message.title, message.body, kept)
  }
  const showAccess = (access: 'read' | 'write' | null): void => {
    const next = access === 'read'
    if (next === readOnly || !view) return
    readOnly = next
    view.setProps({ editable: () => !readOnly })
    view.dom.setAttribute('aria-readonly', String(readOnly))
    viewOnlyBadge.hidden = !readOnly
    titleField.refresh()
    // Toolbar, comment composers and actions, naming and restoring versions: see `.read-only` in the styles.
    shell.main.classList.toggle('read-only', readOnly)
  }
  // The server refuses for good with a close code the page can read (not signed in, no access,
  // deleted); a read-only connection is told so before it syncs.
  // Until this connection hears from the server, the access it gave last time holds (offline too).
  showAccess(accessInCopy(scope, room))
  connection.onStateChange(({ refused, access }) => {
    if (refused) return showRefusal(refused.code, refused.reason)
    if (access === null) return
    showAccess(access)
    recordAccess(scope, room, access)
  })
}
