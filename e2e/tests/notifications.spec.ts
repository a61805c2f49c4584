/**
 * Notifications: a backend publishes over HTTP and every open page shows it; pages that were away
 * get what they missed, once; the editor needs no second connection; the home page list is pushed.
 * Other tests publish on `broadcast` at the same time, so assertions look for this test's own texts.
 */
import { Notifications, publish, uniqueText } from '../fixtures/notifications.js'
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('a message published over HTTP pops up for everyone, in editors and on the home page', async ({ users, baseURL }) => {
  const room = uniqueRoom('toast')
  const [ann, ben, cy] = await Promise.all(['Ann', 'Ben', 'Cy'].map((name) => users.open(name)))
  await ann!.editor.open(room)
  await ben!.editor.open(room)
  await cy!.home.open()
  const everyone = [ann!, ben!, cy!].map((user) => new Notifications(user.page))
  for (const notifications of everyone) await notifications.expectConnected()

  const title = uniqueText('Deploy finished')
  // Markup from a publisher is text, never HTML.
  const message = 'v1.4 is live <img src=x onerror="document.title=1"> & <b>well</b>'
  await publish(baseURL!, { type: 'announcement', from: 'admin', title, message, level: 'info' })

  // Toasts go after a few seconds: look at every page at once, not one after the other.
  await Promise.all(
    everyone.map(async (notifications) => {
      const toast = notifications.toast(title)
      await expect(toast).toContainText(message)
      await expect(toast.locator('img, b')).toHaveCount(0)
    }),
  )
  // Dismissing a toast takes it away at once (the others time out on their own).
  await everyone[1]!.toast(title).getByRole('button', { name: 'Dismiss notification' }).click()
  await expect(everyone[1]!.toast(title)).toHaveCount(0)

  // A plain string and a bare object are shown too: as the string, and as JSON.
  const plain = uniqueText('Lunch is here')
  await publish(baseURL!, plain)
  await expect(everyone[2]!.toast(plain)).toBeVisible()
  const marker = uniqueText('build')
  await publish(baseURL!, { build: marker, ok: true })
  await expect(everyone[0]!.toast(`{"build":"${marker}","ok":true}`)).toBeVisible()
})

test('pages that were offline get what was published meanwhile, each message once', async ({ users, baseURL }) => {
  const room = uniqueRoom('offline-news')
  const [ann, ben, cy] = await Promise.all(['Ann', 'Ben', 'Cy'].map((name) => users.open(name)))
  await ann!.editor.open(room)
  await ben!.editor.open(room)
  await cy!.home.open()
  const [annN, benN, cyN] = [ann!, ben!, cy!].map((user) => new Notifications(user.page))
  for (const notifications of [annN!, benN!, cyN!]) await notifications.expectConnected()

  const before = uniqueText('Before the outage')
  await publish(baseURL!, { title: 'News', message: before })
  await Promise.all([annN!, benN!, cyN!].map((notifications) => expect(notifications.toast(before)).toBeVisible()))

  // Ben's notifications ride on his document socket, Cy's on a socket of their own: both must notice.
  await ben!.context.setOffline(true)
  await cy!.context.setOffline(true)
  await expect(ben!.editor.connectionStatus).toHaveText('You’re offline')
  await benN!.expectOffline()
  await cyN!.expectOffline()

  const during = [uniqueText('First while offline'), uniqueText('Second while offline')]
  for (const text of during) await publish(baseURL!, { title: 'News', message: text })
  await Promise.all(during.map((text) => expect(annN!.toast(text)).toBeVisible()))

  await ben!.context.setOffline(false)
  await cy!.context.setOffline(false)
  await expect(ben!.editor.connectionStatus).toHaveText('Live')
  // Missed only for a moment, they are still news: they pop up, once each.
  await Promise.all([benN!, cyN!].flatMap((notifications) => during.map((text) => expect(notifications.toast(text)).toHaveCount(1))))
  for (const notifications of [benN!, cyN!]) {
    await notifications.openInbox()
    for (const text of [before, ...during]) await expect(notifications.inboxItem(text)).toHaveCount(1)
  }
})

test('a page that was closed finds what it missed in its inbox, unread, summed up in one toast', async ({ users, baseURL }) => {
  const cy = await users.open('Cy')
  await cy.home.open()
  let notifications = new Notifications(cy.page)
  await notifications.expectConnected()
  const seen = uniqueText('Seen before closing')
  await publish(baseURL!, { title: 'News', message: seen })
  await expect(notifications.toast(seen)).toBeVisible()

  await cy.page.close()
  const missed = [uniqueText('Missed one'), uniqueText('Missed two')]
  for (const text of missed) await publish(baseURL!, { title: 'While you were away', message: text })

  const page = await cy.context.newPage()
  await page.goto('/')
  notifications = new Notifications(page)
  const summary = notifications.toasts.filter({ hasText: /\d+ new notifications?/ })
  await summary.getByRole('button', { name: 'Open inbox' }).click()
  await expect(notifications.inbox).toBeVisible()
  await expect.poll(() => notifications.unreadCount()).toBeGreaterThanOrEqual(3)
  for (const text of [seen, ...missed]) await expect(notifications.inboxItem(text)).toHaveCount(1)
  for (const text of missed) await expect(notifications.inboxItem(text)).toHaveClass(/is-unread/)
  // Replayed messages are not news: they are in the inbox and the summary, not toasts of their own.
  for (const text of missed) await expect(notifications.toast(text)).toHaveCount(0)

  // Reading one marks only that one; "Mark all read" the rest, and the badge follows.
  await notifications.inboxItem(missed[0]!).click()
  await expect(notifications.inboxItem(missed[0]!)).not.toHaveClass(/is-unread/)
  await expect(notifications.inboxItem(missed[1]!)).toHaveClass(/is-unread/)
  await notifications.markAllRead.click()
  for (const text of [seen, ...missed]) await expect(notifications.inboxItem(text)).not.toHaveClass(/is-unread/)
  await expect.poll(async () => (await notifications.unreadCount()) - (await notifications.unreadEntries())).toBe(0)

  // Read state is kept in the browser: a reload shows the same.
  await page.reload()
  await notifications.openInbox()
  await expect(notifications.inboxItem(missed[1]!)).not.toHaveClass(/is-unread/)
})

test('the editor receives notifications on its document socket, opening no other connection', async ({ users, baseURL }) => {
  const ann = await users.open('Ann')
  const sockets: string[] = []
  const eventStreams: string[] = []
  ann.page.on('websocket', (socket) => sockets.push(new URL(socket.url()).pathname))
  ann.page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/events')) eventStreams.push(request.url())
  })
  const room = uniqueRoom('one-socket')
  await ann.editor.open(room)
  const notifications = new Notifications(ann.page)
  await notifications.expectConnected()

  const text = uniqueText('Through the document socket')
  await publish(baseURL!, { title: 'Hello', message: text })
  await expect(notifications.toast(text)).toBeVisible()
  expect(sockets).toEqual([`/collab/${room}`])
  expect(eventStreams).toEqual([])
})

test('the home page list follows people arriving and leaving, pushed by the server', async ({ users }) => {
  const [ann, ben] = await Promise.all(['Ann', 'Ben'].map((name) => users.open(name)))
  await ben!.home.open()
  await new Notifications(ben!.page).expectConnected()
  const room = uniqueRoom('pushed')

  // The list polls only every 30 s as a safety net; these waits are far shorter, so only a push passes.
  await ann!.editor.open(room)
  const link = ben!.home.documentLink(room)
  await expect(link.getByLabel('Here now: Ann')).toBeVisible({ timeout: 5_000 })
  await expect(link).toContainText('Open now')
  await ann!.page.close()
  await expect(link).not.toContainText('Open now', { timeout: 5_000 })
  await expect(link.getByLabel('Nobody here')).toBeAttached()
})
