import { describe, expect, it } from 'vitest'

import { createInboxStore, INBOX_STORAGE_KEY, type InboxMessage, messageKey, parseInbox } from './inbox-store.js'

function memoryStorage(initial: Record<string, string> = {}): Pick<Storage, 'getItem' | 'setItem'> & { data: Record<string, string> } {
  const data = { ...initial }
  return { data, getItem: (key) => data[key] ?? null, setItem: (key, value) => void (data[key] = value) }
}

const message = (id: number, data: unknown = { title: `Title ${id}`, message: `Message ${id}` }, ts = 1_000 + id): InboxMessage => ({
  channel: 'broadcast',
  id,
  data,
  ts,
})

describe('createInboxStore', () => {
  it('lists messages newest first, described, unread, and counts them', () => {
    const inbox = createInboxStore({ storage: memoryStorage() })
    inbox.addMessage(message(1))
    inbox.addMessage(message(2, 'plain words'))
    expect(inbox.items.map((item) => [item.key, item.title, item.text, item.read])).toEqual([
      ['m2', null, 'plain words', false],
      ['m1', 'Title 1', 'Message 1', false],
    ])
    expect(inbox.unreadCount).toBe(2)
  })

  it('orders by publish time, then id, whatever the arrival order', () => {
    const inbox = createInboxStore({ storage: memoryStorage() })
    inbox.addMessage(message(5, 'e', 2_000))
    inbox.addMessage(message(3, 'c', 1_000))
    inbox.addMessage(message(4, 'd', 1_000))
    expect(inbox.items.map((item) => item.id)).toEqual([5, 4, 3])
  })

  it('adds a message id once, even when a replay or another tab delivers it again', () => {
    const storage = memoryStorage()
    const tabA = createInboxStore({ storage })
    const tabB = createInboxStore({ storage })
    expect(tabA.addMessage(message(7))).not.toBeNull()
    expect(tabA.addMessage(message(7))).toBeNull()
    expect(tabB.addMessage(message(7))).toBeNull()
    tabB.reload()
    expect(tabB.items.map((item) => item.key)).toEqual([messageKey(7)])
  })

  it('keeps only the newest items up to the limit', () => {
    const inbox = createInboxStore({ storage: memoryStorage(), limit: 3 })
    for (let id = 1; id <= 5; id++) inbox.addMessage(message(id))
    expect(inbox.items.map((item) => item.id)).toEqual([5, 4, 3])
  })

  it('marks one item or all read, and tells subscribers', () => {
    const inbox = createInboxStore({ storage: memoryStorage() })
    let changes = 0
    inbox.subscribe(() => changes++)
    inbox.addMessage(message(1))
    inbox.addMessage(message(2))
    inbox.addMessage(message(3), { read: true })
    expect(inbox.unreadCount).toBe(2)
    inbox.markRead('m1')
    expect(inbox.items.find((item) => item.id === 1)?.read).toBe(true)
    expect(inbox.unreadCount).toBe(1)
    inbox.markAllRead()
    expect(inbox.unreadCount).toBe(0)
    const before = changes
    inbox.markAllRead()
    expect(changes).toBe(before)
  })

  it('keeps items and read state across page loads', () => {
    const storage = memoryStorage()
    const first = createInboxStore({ storage })
    first.addMessage(message(1))
    first.addMessage(message(2))
    first.markRead('m2')
    const next = createInboxStore({ storage })
    expect(next.items.map((item) => [item.id, item.read])).toEqual([
      [2, true],
      [1, false],
    ])
  })

  it('merges what two tabs wrote: nothing added by one is lost by the other, read wins', () => {
    const storage = memoryStorage()
    const tabA = createInboxStore({ storage })
    const tabB = createInboxStore({ storage })
    tabA.addMessage(message(1))
    tabB.addMessage(message(2))
    expect(tabB.items.map((item) => item.id)).toEqual([2, 1])
    tabB.markRead('m1')
    // Tab A still shows m1 unread in memory; its next write must not undo tab B's "read".
    tabA.addMessage(message(3))
    expect(tabA.items.map((item) => [item.id, item.read])).toEqual([
      [3, false],
      [2, false],
      [1, true],
    ])
  })

  it('records notices, such as lost history, as unread items of their own', () => {
    const inbox = createInboxStore({ storage: memoryStorage() })
    inbox.addMessage(message(1, 'old', 1_000))
    const notice = inbox.addNotice('broadcast', 'Some notifications are no longer available.', 5_000)
    expect(notice).toMatchObject({ id: null, level: 'notice', read: false })
    expect(inbox.items[0]?.key).toBe(notice.key)
  })

  it('starts empty from missing, malformed or hand-edited storage, keeping what is well-formed', () => {
    for (const stored of ['', '{', 'null', '{"items":"x"}', '[]']) {
      expect(createInboxStore({ storage: memoryStorage({ [INBOX_STORAGE_KEY]: stored }) }).items, stored).toEqual([])
    }
    const good = { key: 'm1', id: 1, channel: 'broadcast', ts: 1, title: null, text: 'ok', level: 'info', read: false }
    const json = JSON.stringify({ v: 1, items: [good, { ...good, key: 'm2', id: '2' }, { ...good, key: 'm3', level: 'shout' }, null] })
    expect(parseInbox(json)).toEqual([good])
  })

  it('still works for the page when storage refuses to write', () => {
    const inbox = createInboxStore({
      storage: {
        getItem: () => null,
        setItem: () => {
          throw new Error('QuotaExceededError')
        },
      },
    })
    inbox.addMessage(message(1))
    expect(inbox.unreadCount).toBe(1)
  })
})
