/**
 * The comment sidebar: one card per thread, with the text it is about, its comments and replies, and
 * what one may do (reply, edit or delete one's own comment, resolve, reopen). On wide screens the
 * cards sit in the margin beside their text; on narrower ones the sidebar is a panel. Typing `@` in a
 * comment box offers people (present now, or who commented) and stores the mention with their id.
 * Everything is written to the document's `comments` map (see `@tandem/protocol`), so it syncs,
 * persists and works offline like the text.
 */
import {
  type CommentAuthor,
  type CommentEntry,
  type CommentMention,
  COMMENTS_MAP,
  type CommentThread,
  deleteComment,
  editComment,
  mentionsIn,
  readThreads,
  replyToThread,
  setThreadResolved,
  startThread,
} from '@tandem/protocol'
import type { EditorView } from 'prosemirror-view'
import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'

import { relativeTime } from '../home/relative-time.js'
import { h, icon } from '../shell/element.js'
import { personDot } from '../shell/person-dot.js'
import { commentAnchorsKey, relativeRange, setActiveThread } from './comment-anchors.js'
import { type Candidate, matchCandidates, mentionQuery, uniquePeople } from './mention-query.js'

const COMMENT_ICON = '<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/>'
const CLOSE_ICON = '<path d="M18 6 6 18"/><path d="m6 6 12 12"/>'

/** Screens wide enough for cards in the margin beside the text. */
const WIDE = '(min-width: 1280px)'

/** What the sidebar needs. */
export interface CommentsPanelOptions {
  doc: Y.Doc
  awareness: Awareness
  /** The editor, once it exists. */
  view: () => EditorView | null
  /** Who writes: the token subject in secure mode, and the name and colour people see. */
  me: () => CommentAuthor
}

/** The sidebar, its header button, and what the page calls. */
export interface CommentsPanel {
  element: HTMLElement
  /** "Comments" with the count of unresolved threads; opens and closes the sidebar. */
  toggle: HTMLButtonElement
  /** Start a comment on the editor's selection (the toolbar button and Mod-Alt-m). */
  startOnSelection(): boolean
  /** Open the sidebar at thread `id` (a link to a comment). Resolves `false` when the thread never shows up. */
  reveal(id: string, timeoutMs?: number): Promise<boolean>
  /** Place the cards again (the editor's content or size changed). */
  layout(): void
  destroy(): void
}

function newId(): string {
  return crypto.randomUUID()
}

/** `body` as text nodes, with each `@Name` of `mentions` as a highlighted span. */
function renderBody(body: string, mentions: readonly CommentMention[]): Node[] {
  const names = mentions.map((mention) => `@${mention.name}`).filter((name) => name.length > 1)
  if (names.length === 0) return [document.createTextNode(body)]
  const escaped = names.sort((a, b) => b.length - a.length).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  const parts = body.split(new RegExp(`(${escaped.join('|')})`, 'g'))
  return parts.map((part) => (names.includes(part) ? h('span', { class: 'comment-mention' }, part) : document.createTextNode(part)))
}

/** Create the sidebar. */
export function createCommentsPanel(options: CommentsPanelOptions): CommentsPanel {
  const { doc } = options
  const comments = doc.getMap(COMMENTS_MAP)
  let opened = false
  let showResolved = false
  let active: string | null = null
  /** A new thread being written: its range, as relative positions, and the text it is about. */
  let draft: { start: Uint8Array; end: Uint8Array; quote: string } | null = null
  /** Cards by thread id, kept across renders so focus and typed text survive remote changes. */
  const cards = new Map<string, { element: HTMLElement; signature: string }>()

  const count = h('span', { class: 'comments-count', 'aria-hidden': 'true' })
  const toggle = h(
    'button',
    { type: 'button', class: 'button subtle comments-toggle', 'aria-expanded': 'false', 'aria-controls': 'comments-panel' },
    icon(COMMENT_ICON),
    h('span', { class: 'comments-toggle-label' }, 'Comments'),
    count,
  )
  const resolvedToggle = h('input', { type: 'checkbox', class: 'comments-show-resolved' })
  const list = h('div', { class: 'comments-list' })
  const empty = h('p', { class: 'comments-empty' }, 'No comments yet. Select some text and choose “Comment” to start a thread.')
  const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close comments' }, icon(CLOSE_ICON))
  const addButton = h(
    'button',
    { type: 'button', class: 'button comments-add', title: 'Comment on the selection (Ctrl+Alt+M)' },
    'Comment on selection',
  )
  const element = h(
    'aside',
    { id: 'comments-panel', class: 'comments-panel', 'aria-label': 'Comments', hidden: true },
    h(
      'div',
      { class: 'comments-head' },
      h('h2', { class: 'comments-heading' }, 'Comments'),
      h('label', { class: 'comments-resolved-label' }, resolvedToggle, 'Show resolved'),
      close,
    ),
    h('div', { class: 'comments-actions' }, addButton),
    list,
    empty,
  )

  /** People the `@` picker offers: present now (awareness), and who wrote comments. */
  const candidates = (): Candidate[] => {
    const me = options.me()
    const people: Candidate[] = []
    for (const state of options.awareness.getStates().values()) {
      const user = (state as { user?: { id?: unknown; name?: unknown; color?: unknown } }).user
      if (typeof user?.name !== 'string') continue
      people.push({
        id: typeof user.id === 'string' ? user.id : null,
        name: user.name,
        color: typeof user.color === 'string' ? user.color : null,
      })
    }
    for (const thread of readThreads(doc)) {
      for (const entry of thread.entries) people.push({ id: entry.author.id, name: entry.author.name, color: entry.author.color })
    }
    return uniquePeople(people, me.id, me.name)
  }

  /** A comment box with the `@` picker; `submit` gets the text and the mentions it still holds. */
  const composer = (
    label: string,
    action: string,
    initial: string,
    initialMentions: CommentMention[],
    submit: (body: string, mentions: CommentMention[]) => void,
    cancel?: () => void,
  ): HTMLElement => {
    const picked: CommentMention[] = [...initialMentions]
    const listId = `mentions-${newId()}`
    const input = h('textarea', {
      class: 'comment-input',
      rows: '2',
      maxlength: '10000',
      'aria-label': label,
      placeholder: `${label}… (@ to mention someone)`,
      'aria-autocomplete': 'list',
      'aria-controls': listId,
      'aria-expanded': 'false',
    })
    input.value = initial
    const picker = h('ul', { id: listId, class: 'mention-picker', role: 'listbox', 'aria-label': 'People', hidden: true })
    let options_: Candidate[] = []
    let selected = 0
    let query: { start: number; query: string } | null = null
    const closePicker = (): void => {
      picker.hidden = true
      input.setAttribute('aria-expanded', 'false')
      input.removeAttribute('aria-activedescendant')
      query = null
    }
    const choose = (candidate: Candidate): void => {
      if (!query) return
      const before = input.value.slice(0, query.start)
      const after = input.value.slice(input.selectionStart)
      const inserted = `@${candidate.name} `
      input.value = `${before}${inserted}${after}`
      const caret = before.length + inserted.length
      input.setSelectionRange(caret, caret)
      if (candidate.id !== null) picked.push({ id: candidate.id, name: candidate.name })
      closePicker()
      input.focus()
    }
    const renderPicker = (): void => {
      picker.replaceChildren(
        ...options_.map((candidate, index) =>
          h(
            'li',
            {
              id: `${listId}-${index}`,
              role: 'option',
              class: 'mention-option',
              'aria-selected': String(index === selected),
              onmousedown: (event: MouseEvent) => {
                event.preventDefault()
                choose(candidate)
              },
            },
            personDot(candidate.color),
            candidate.name,
          ),
        ),
      )
      input.setAttribute('aria-activedescendant', `${listId}-${selected}`)
    }
    input.addEventListener('input', () => {
      query = mentionQuery(input.value, input.selectionStart)
      options_ = query ? matchCandidates(candidates(), query.query) : []
      if (!query || options_.length === 0) return closePicker()
      selected = 0
      picker.hidden = false
      input.setAttribute('aria-expanded', 'true')
      renderPicker()
    })
    input.addEventListener('keydown', (event) => {
      if (!picker.hidden) {
        if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
          event.preventDefault()
          selected = (selected + (event.key === 'ArrowDown' ? 1 : options_.length - 1)) % options_.length
          renderPicker()
          return
        }
        if (event.key === 'Enter' || event.key === 'Tab') {
          event.preventDefault()
          choose(options_[selected]!)
          return
        }
        if (event.key === 'Escape') {
          event.preventDefault()
          event.stopPropagation()
          closePicker()
          return
        }
      }
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault()
        send()
      }
      if (event.key === 'Escape' && cancel) {
        event.preventDefault()
        event.stopPropagation()
        cancel()
      }
    })
    input.addEventListener('blur', () => setTimeout(closePicker, 150))
    const send = (): void => {
      const body = input.value.trim()
      if (!body) return
      submit(body, mentionsIn(body, picked))
      input.value = ''
      picked.length = 0
    }
    return h(
      'div',
      { class: 'comment-composer' },
      input,
      picker,
      h(
        'div',
        { class: 'comment-composer-actions' },
        cancel ? h('button', { type: 'button', class: 'button subtle', onclick: () => cancel() }, 'Cancel') : null,
        h('button', { type: 'button', class: 'button primary', onclick: () => send() }, action),
      ),
    )
  }

  const entryView = (thread: CommentThread, entry: CommentEntry, index: number): HTMLElement => {
    const me = options.me()
    const mine = entry.author.id !== null ? entry.author.id === me.id : me.id === null && entry.author.name === me.name
    const item = h('li', { class: 'comment-entry', 'data-comment': entry.id })
    const show = (): void => {
      item.replaceChildren(
        h(
          'div',
          { class: 'comment-meta' },
          personDot(entry.author.color),
          h('strong', { class: 'comment-author' }, entry.author.name),
          h(
            'time',
            { class: 'comment-time', datetime: new Date(entry.createdAt).toISOString() },
            relativeTime(entry.createdAt, Date.now()),
          ),
          entry.editedAt ? h('span', { class: 'comment-edited' }, '(edited)') : null,
        ),
        entry.deleted
          ? h('p', { class: 'comment-body is-deleted' }, 'Comment deleted')
          : h('p', { class: 'comment-body' }, ...renderBody(entry.body, entry.mentions)),
        ...(mine && !entry.deleted
          ? [
              h(
                'div',
                { class: 'comment-entry-actions' },
                h('button', { type: 'button', class: 'link-button', onclick: () => edit() }, 'Edit'),
                h(
                  'button',
                  { type: 'button', class: 'link-button', onclick: () => deleteComment(doc, thread.id, entry.id) },
                  index === 0 && thread.entries.length === 1 ? 'Delete thread' : 'Delete',
                ),
              ),
            ]
          : []),
      )
    }
    const edit = (): void => {
      item.replaceChildren(
        composer(
          'Edit your comment',
          'Save',
          entry.body,
          entry.mentions,
          (body, mentions) => editComment(doc, thread.id, entry.id, { body, mentions, at: Date.now() }),
          () => show(),
        ),
      )
      item.querySelector('textarea')?.focus()
    }
    show()
    return item
  }

  const threadCard = (thread: CommentThread): HTMLElement => {
    const card = h('article', {
      class: `comment-card${thread.resolved ? ' is-resolved' : ''}${thread.id === active ? ' is-active' : ''}`,
      'data-thread': thread.id,
      id: `comment-${thread.id}`,
      tabindex: '-1',
      'aria-label': `Comment thread on “${thread.quote.slice(0, 60)}”`,
    })
    card.addEventListener('click', (event) => {
      if ((event.target as HTMLElement).closest('button, textarea, a')) return
      activate(thread.id, true)
    })
    card.append(
      h('blockquote', { class: 'comment-quote' }, thread.quote || '…'),
      h('ol', { class: 'comment-entries' }, ...thread.entries.map((entry, index) => entryView(thread, entry, index))),
      thread.resolved
        ? h('p', { class: 'comment-resolved-note' }, `Resolved${thread.resolvedBy ? ` by ${thread.resolvedBy.name}` : ''}`)
        : composer('Reply', 'Reply', '', [], (body, mentions) =>
            replyToThread(doc, thread.id, { id: newId(), author: options.me(), body, mentions, createdAt: Date.now() }),
          ),
      h(
        'div',
        { class: 'comment-card-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'button subtle',
            onclick: () => setThreadResolved(doc, thread.id, !thread.resolved, options.me(), Date.now()),
          },
          thread.resolved ? 'Reopen' : 'Resolve',
        ),
      ),
    )
    return card
  }

  const draftCard = (): HTMLElement | null => {
    if (!draft) return null
    const current = draft
    const card = h(
      'article',
      { class: 'comment-card is-draft is-active', 'aria-label': 'New comment' },
      h('blockquote', { class: 'comment-quote' }, current.quote),
      composer(
        'New comment',
        'Comment',
        '',
        [],
        (body, mentions) => {
          const id = newId()
          startThread(doc, {
            id,
            start: current.start,
            end: current.end,
            quote: current.quote,
            entry: { id: newId(), author: options.me(), body, mentions, createdAt: Date.now() },
          })
          draft = null
          active = id
          render()
          const view = options.view()
          if (view) setActiveThread(view, id)
        },
        () => {
          draft = null
          render()
        },
      ),
    )
    return card
  }

  const ordered = (): CommentThread[] => {
    const view = options.view()
    const ranges = view ? commentAnchorsKey.getState(view.state)?.ranges : undefined
    const position = (thread: CommentThread): number => ranges?.get(thread.id)?.from ?? Number.MAX_SAFE_INTEGER
    return readThreads(doc)
      .filter((thread) => showResolved || !thread.resolved)
      .sort((a, b) => position(a) - position(b) || a.createdAt - b.createdAt)
  }

  const render = (): void => {
    const all = readThreads(doc)
    const unresolved = all.filter((thread) => !thread.resolved).length
    count.textContent = unresolved > 0 ? String(unresolved) : ''
    toggle.setAttribute('aria-label', unresolved === 1 ? 'Comments, 1 unresolved' : `Comments, ${unresolved} unresolved`)
    if (!opened) return
    const threads = ordered()
    const children: HTMLElement[] = []
    const draftElement = draftCard()
    if (draftElement) children.push(draftElement)
    const seen = new Set<string>()
    for (const thread of threads) {
      seen.add(thread.id)
      const signature = JSON.stringify([thread, thread.id === active], (_key, value: unknown) =>
        value instanceof Uint8Array ? undefined : value,
      )
      let card = cards.get(thread.id)
      // Rebuilt only when the thread changed, so a reply being typed elsewhere is not lost.
      if (!card || card.signature !== signature) {
        const focused = card?.element.contains(document.activeElement) ? (document.activeElement as HTMLElement) : null
        const typing = focused instanceof HTMLTextAreaElement && focused.value ? focused.value : null
        card = { element: threadCard(thread), signature }
        if (typing !== null) {
          const input = card.element.querySelector<HTMLTextAreaElement>('textarea')
          if (input) {
            input.value = typing
            queueMicrotask(() => input.focus())
          }
        }
        cards.set(thread.id, card)
      }
      children.push(card.element)
    }
    for (const id of cards.keys()) if (!seen.has(id)) cards.delete(id)
    list.replaceChildren(...children)
    empty.hidden = children.length > 0
    layout()
  }

  /** On wide screens, each card beside its text, pushed down past the one above. */
  const layout = (): void => {
    const view = options.view()
    const wide = window.matchMedia(WIDE).matches
    element.classList.toggle('is-margin', wide)
    if (!opened || !view || !wide) {
      for (const card of list.children) (card as HTMLElement).style.top = ''
      list.style.height = ''
      return
    }
    const ranges = commentAnchorsKey.getState(view.state)?.ranges
    const listTop = list.getBoundingClientRect().top
    let next = 0
    for (const child of list.children) {
      const card = child as HTMLElement
      const id = card.dataset.thread
      const range = id ? ranges?.get(id) : undefined
      let top = next
      if (range) {
        try {
          top = Math.max(next, view.coordsAtPos(range.from).top - listTop)
        } catch {
          // A position outside the document (mid-update): keep the card where the flow puts it.
        }
      }
      card.style.top = `${top}px`
      next = top + card.offsetHeight + 8
    }
    list.style.height = `${next}px`
  }

  const activate = (id: string | null, scroll: boolean): void => {
    active = id
    const view = options.view()
    if (view) setActiveThread(view, id)
    render()
    if (!id) return
    const card = cards.get(id)?.element
    if (scroll && view) {
      const range = commentAnchorsKey.getState(view.state)?.ranges.get(id)
      if (range) {
        try {
          const node = view.domAtPos(range.from).node
          ;(node instanceof HTMLElement ? node : node.parentElement)?.scrollIntoView({ block: 'center', behavior: 'smooth' })
        } catch {
          // Nothing to scroll to.
        }
      }
    }
    card?.focus({ preventScroll: !scroll })
  }

  const open = (): void => {
    opened = true
    element.hidden = false
    toggle.setAttribute('aria-expanded', 'true')
    render()
  }
  const closePanel = (): void => {
    opened = false
    draft = null
    element.hidden = true
    toggle.setAttribute('aria-expanded', 'false')
    activate(null, false)
  }
  toggle.addEventListener('click', () => (opened ? closePanel() : open()))
  close.addEventListener('click', () => {
    closePanel()
    toggle.focus()
  })
  resolvedToggle.addEventListener('change', () => {
    showResolved = resolvedToggle.checked
    render()
  })

  const startOnSelection = (): boolean => {
    const view = options.view()
    if (!view) return false
    const { from, to, empty: nothing } = view.state.selection
    if (nothing) return false
    const range = relativeRange(view, from, to)
    if (!range) return false
    draft = { ...range, quote: view.state.doc.textBetween(from, to, ' ').slice(0, 1000) }
    open()
    list.querySelector<HTMLTextAreaElement>('.is-draft textarea')?.focus()
    return true
  }
  addButton.addEventListener('mousedown', (event) => event.preventDefault())
  addButton.addEventListener('click', () => startOnSelection())

  const onChange = (): void => render()
  comments.observeDeep(onChange)
  const onKey = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && opened && element.contains(document.activeElement)) closePanel()
  }
  document.addEventListener('keydown', onKey)
  const onResize = (): void => layout()
  window.addEventListener('resize', onResize)
  const ticker = setInterval(() => opened && render(), 60_000)
  render()

  return {
    element,
    toggle,
    startOnSelection,
    layout,
    async reveal(id, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      while (!readThreads(doc).some((thread) => thread.id === id)) {
        if (Date.now() > deadline) return false
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const thread = readThreads(doc).find((candidate) => candidate.id === id)
      if (thread?.resolved) {
        showResolved = true
        resolvedToggle.checked = true
      }
      open()
      // Let the anchors settle (the editor may have just received the document).
      await new Promise((resolve) => setTimeout(resolve, 50))
      activate(id, true)
      return true
    },
    destroy() {
      comments.unobserveDeep(onChange)
      document.removeEventListener('keydown', onKey)
      window.removeEventListener('resize', onResize)
      clearInterval(ticker)
    },
  }
}
