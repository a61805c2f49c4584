/**
 * Comments with mentions, in secure mode (mentions notify people by their token's id): Ann comments
 * on a word and mentions Bob; Bob is notified, opens the notification and lands on the thread,
 * replies; Ann is notified and resolves. The anchor follows the word while Bob edits around it.
 */
import { Notifications } from '../fixtures/notifications.js'
import { startSecureServer } from '../fixtures/secure-server.js'
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('a comment with a mention notifies, links to its thread, survives edits around it, and resolves', async ({ users }, testInfo) => {
  const port = Number(process.env.TANDEM_E2E_PORT ?? 8790) + 11 + testInfo.parallelIndex
  const server = await startSecureServer(port)
  try {
    const room = uniqueRoom('comments')
    const annToken = await server.mintToken({ sub: 'ann', name: 'Ann', rooms: { '*': 'write' } })
    const bobToken = await server.mintToken({ sub: 'bob', name: 'Bob', rooms: { '*': 'write' } })
    // Ann on a wide screen (cards in the margin), Bob on a laptop (the sidebar is a panel).
    const ann = await users.open('Ann', { viewport: { width: 1440, height: 900 } })
    const bob = await users.open('Bob')
    const annNotes = new Notifications(ann.page)
    const bobNotes = new Notifications(bob.page)
    await ann.page.goto(`${server.url}/d/${room}?token=${annToken}`)
    await bob.page.goto(`${server.url}/d/${room}?token=${bobToken}`)
    await expect(ann.editor.connectionStatus).toHaveText('Live')
    await expect(bob.editor.connectionStatus).toHaveText('Live')
    await bobNotes.expectConnected()
    await annNotes.expectConnected()

    await ann.editor.typeAtEnd('We ship the release on Friday at noon.')
    await expect.poll(() => bob.editor.blocks()).toEqual(['We ship the release on Friday at noon.'])

    // Ann selects "Friday" and comments on it from the keyboard, mentioning Bob through the picker.
    const annPanel = ann.page.getByRole('complementary', { name: 'Comments' })
    // The editor reads a selection made with the keyboard a moment after the browser made it; a
    // shortcut pressed at machine speed can still see the one before, so the quote is checked.
    await expect(async () => {
      await ann.editor.cursorAfter('We ship the release on ')
      for (let i = 0; i < 'Friday'.length; i++) await ann.page.keyboard.press('Shift+ArrowRight')
      expect(await ann.page.evaluate(() => window.getSelection()?.toString())).toBe('Friday')
      await ann.page.keyboard.press('Control+Alt+m')
      await expect(annPanel.getByRole('article', { name: 'New comment' }).locator('blockquote')).toHaveText('Friday', { timeout: 1000 })
    }).toPass({ timeout: 15_000 })
    const draft = annPanel.getByRole('textbox', { name: 'New comment' })
    await expect(draft).toBeFocused()
    await draft.pressSequentially('@Bo')
    await expect(annPanel.getByRole('option', { name: 'Bob' })).toBeVisible()
    await ann.page.keyboard.press('Enter')
    await draft.pressSequentially('can you confirm the day?')
    await expect(draft).toHaveValue('@Bob can you confirm the day?')
    await ann.page.keyboard.press('Control+Enter')
    const annCard = annPanel.getByRole('article', { name: 'Comment thread on “Friday”' })
    await expect(annCard).toContainText('@Bob can you confirm the day?')
    await expect(ann.editor.document.locator('.comment-anchor')).toHaveText('Friday')
    await expect(ann.page.getByRole('button', { name: 'Comments, 1 unresolved' })).toBeVisible()
    await ann.page.screenshot({ path: testInfo.outputPath('comments-sidebar.png') })

    // Bob is told, and opening the notification lands him on the thread.
    const toast = bobNotes.toast('Ann mentioned you in')
    await expect(toast).toContainText('@Bob can you confirm the day?')
    await expect(bob.page.getByRole('button', { name: 'Comments, 1 unresolved' })).toBeVisible()
    await toast.getByRole('button', { name: 'Open' }).click()
    const bobPanel = bob.page.getByRole('complementary', { name: 'Comments' })
    const bobCard = bobPanel.getByRole('article', { name: 'Comment thread on “Friday”' })
    await expect(bobCard).toBeFocused()
    await expect(bob.editor.document.locator('.comment-anchor.is-active')).toHaveText('Friday')
    await bobNotes.openInbox()
    await expect(bobNotes.inboxItems.filter({ hasText: 'Ann mentioned you in' })).toHaveCount(1)
    await bobNotes.bell.click()

    // Bob edits around the word: the anchor follows "Friday" on both screens.
    await bob.editor.cursorAfter('We ship the release on ')
    for (let i = 0; i < 'on '.length; i++) await bob.page.keyboard.press('Backspace')
    await bob.page.keyboard.type('by next ')
    await bob.editor.cursorAfter('We ship the release by next Friday')
    for (let i = 0; i < ' at noon'.length; i++) await bob.page.keyboard.press('Delete')
    await expect.poll(() => ann.editor.blocks()).toEqual(['We ship the release by next Friday.'])
    await expect(ann.editor.document.locator('.comment-anchor')).toHaveText('Friday')
    await expect(bob.editor.document.locator('.comment-anchor')).toHaveText('Friday')

    // Bob replies; Ann, who started the thread, is told.
    const reply = bobCard.getByRole('textbox', { name: 'Reply' })
    await reply.fill('Confirmed, Friday it is.')
    await bobCard.getByRole('button', { name: 'Reply' }).click()
    await expect(annCard).toContainText('Confirmed, Friday it is.')
    await expect(annNotes.toast('Bob replied in')).toContainText('Confirmed, Friday it is.')

    // Ann resolves: the thread leaves both lists and the count, and the highlight goes.
    await annCard.getByRole('button', { name: 'Resolve' }).click()
    await expect(bob.page.getByRole('button', { name: 'Comments, 0 unresolved' })).toBeVisible()
    await expect(bobCard).toBeHidden()
    await expect(ann.editor.document.locator('.comment-anchor')).toHaveCount(0)
    await bobPanel.getByRole('checkbox', { name: 'Show resolved' }).check()
    await expect(bobCard).toContainText('Resolved by Ann')
  } finally {
    await server.stop()
  }
})
