/**
 * The admin console: an administrator signs in, watches rooms fill and empty as people come and go,
 * announces something every open page shows, and deletes a room out from under its user. Other
 * tests run at the same time on the same server, so every assertion is about this test's own rooms
 * and texts.
 */
import { readFileSync } from 'node:fs'

import { AdminPage } from '../fixtures/admin-page.js'
import { Notifications, uniqueText } from '../fixtures/notifications.js'
import { E2E_ADMIN_TOKEN } from '../fixtures/secrets.js'
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('the admin sees people come and go, announces to everyone and deletes a room its user is in', async ({ users }) => {
  // The longest story of the suite (four browsers, an announcement, a deletion, a download): on a
  // loaded 2-core machine it passed 60 s while every step was merely slow.
  test.slow()
  const roomX = uniqueRoom('admin-x')
  const roomY = uniqueRoom('admin-y')
  const admin = await users.open('Root')
  const console = new AdminPage(admin.page)
  await console.open(E2E_ADMIN_TOKEN)
  await console.expectSignedIn()
  // The token leaves the address bar (and so history and screenshots) at once.
  await expect(admin.page).toHaveURL(/\/admin$/)

  const ann = await users.open('Ann')
  await ann.editor.open(roomX)
  await expect(console.connections(roomX)).toHaveText('1')
  await expect(console.people(roomX)).toHaveAccessibleName('Here now: Ann')

  const ben = await users.open('Ben')
  await ben.editor.open(roomX)
  await expect(console.connections(roomX)).toHaveText('2')
  await expect(console.people(roomX)).toHaveAccessibleName(/^Here now: (Ann, Ben|Ben, Ann)$/)

  const cy = await users.open('Cy')
  await cy.editor.open(roomY)
  await expect(console.connections(roomY)).toHaveText('1')
  await expect(console.connections(roomX)).toHaveText('2')

  await ben.page.close()
  await expect(console.connections(roomX)).toHaveText('1')
  await expect(console.people(roomX)).toHaveAccessibleName('Here now: Ann')
  await expect(console.connections(roomY)).toHaveText('1')

  // An announcement reaches every open page as a toast.
  const annNotifications = new Notifications(ann.page)
  const cyNotifications = new Notifications(cy.page)
  await annNotifications.expectConnected()
  await cyNotifications.expectConnected()
  const title = uniqueText('Maintenance')
  const message = 'The server restarts at 22:00; your work is kept.'
  const adminNotifications = new Notifications(admin.page)
  await adminNotifications.expectConnected()
  await console.announce({ title, message, level: 'Warning' })
  await expect(console.broadcastFeedback).toHaveText(/^Announcement sent/)
  for (const notifications of [annNotifications, cyNotifications]) {
    await expect(notifications.toast(title)).toBeVisible()
    await expect(notifications.toast(title)).toContainText(message)
  }
  // The admin's own announcement goes to their inbox without a toast over the confirmation and the
  // Send button (before, at 1440 px the toast covered both).
  await adminNotifications.openInbox()
  await expect(adminNotifications.inboxItem(title)).toBeVisible()
  await expect(adminNotifications.toast(title)).toHaveCount(0)
  await admin.page.keyboard.press('Escape')

  // Deleting a room asks for its name, disconnects its user and tells them why.
  await ann.editor.typeAtEnd('# Minutes\nAnn wrote this down.')
  await ann.editor.expectSaved()
  await console.openRoom(roomX)
  await expect(console.connection('Ann')).toContainText('Can edit')
  await console.deleteOpenRoom(roomX)
  await expect(admin.page.getByRole('status').filter({ hasText: `Deleted “${roomX}”` })).toBeVisible()
  await expect(console.row(roomX)).toHaveCount(0)
  await expect(ann.page.getByRole('heading', { name: 'This document was deleted' })).toBeVisible()
  await expect(ann.editor.document).toHaveCount(0)
  await expect(ann.page.getByRole('link', { name: 'Go to your documents' })).toBeVisible()
  // What Ann had is still hers to take: a read-only copy, the text to copy, files to download.
  const kept = ann.page.getByRole('region', { name: 'Keep what you had' })
  await expect(kept.getByLabel('Your copy of the document').locator('h1')).toHaveText('Minutes')
  const [download] = await Promise.all([
    ann.page.waitForEvent('download'),
    kept.getByRole('button', { name: 'Download as Markdown' }).click(),
  ])
  expect(download.suggestedFilename()).toBe(`${roomX}.md`)
  expect(readFileSync(await download.path(), 'utf8')).toBe('# Minutes\n\nAnn wrote this down.\n')
  await ann.context.grantPermissions(['clipboard-read', 'clipboard-write'])
  await kept.getByRole('button', { name: 'Copy text' }).click()
  await expect(kept.getByText('Copied.')).toBeVisible()
  expect(await ann.page.evaluate(() => navigator.clipboard.readText())).toBe('Minutes\n\nAnn wrote this down.\n')

  // The other room and its user are untouched.
  await expect(cy.editor.connectionStatus).toHaveText('Live')
  await expect(console.connections(roomY)).toHaveText('1')
})

test('a wrong token is refused at sign-in; the right one is kept for the tab until sign-out', async ({ users }) => {
  const admin = await users.open('Root')
  const console = new AdminPage(admin.page)
  await console.open()
  await console.signIn('not-the-admin-token')
  await expect(console.signInError).toHaveText('The server did not accept that token.')
  await expect(console.rooms).toHaveCount(0)

  await console.signIn(E2E_ADMIN_TOKEN)
  await console.expectSignedIn()
  await admin.page.reload()
  await console.expectSignedIn()

  await console.signOutButton.click()
  await expect(console.tokenField).toBeVisible()
  await admin.page.reload()
  await expect(console.tokenField).toBeVisible()
  await expect(console.rooms).toHaveCount(0)

  // A sign-in link with a token the server does not accept lands on the form with an explanation.
  await console.open('stale-token-from-an-old-log')
  await expect(admin.page.getByRole('alert').filter({ hasText: 'does not accept your token' })).toBeVisible()
  await expect(console.tokenField).toBeVisible()
  await expect(admin.page).toHaveURL(/\/admin$/)
})

test('the admin finds a room, sorts the table, sees who is connected and exports the document', async ({ users }) => {
  const prefix = uniqueRoom('admin-find')
  const [busy, quiet] = [`${prefix}-busy`, `${prefix}-quiet`]
  const dee = await users.open('Dee')
  await dee.editor.open(busy)
  await dee.editor.typeAtEnd('Minutes of the Tuesday meeting')
  await dee.editor.expectSaved()
  const eve = await users.open('Eve')
  await eve.editor.open(quiet)
  await eve.page.close()

  const admin = await users.open('Root')
  const console = new AdminPage(admin.page)
  await console.open(E2E_ADMIN_TOKEN)
  await console.expectSignedIn()
  await console.search.fill(prefix)
  await expect(console.rooms.getByRole('row')).toHaveCount(3) // the header and this test's two rooms
  // The order below needs Eve gone: on a loaded machine the closed page's socket can take a while.
  await expect(console.connections(busy)).toHaveText('1')
  await expect(console.connections(quiet)).toHaveText('0', { timeout: 30_000 })

  await console.sortBy('People')
  await expect(console.columnHeader('People')).toHaveAttribute('aria-sort', 'descending')
  await expect(console.rooms.getByRole('row').nth(1)).toContainText(busy)
  await console.sortBy('People')
  await expect(console.columnHeader('People')).toHaveAttribute('aria-sort', 'ascending')
  await expect(console.rooms.getByRole('row').nth(1)).toContainText(quiet)
  await expect(console.columnHeader('Room')).toHaveAttribute('aria-sort', 'none')

  // The server searches (all its rooms, not only the page the console fetched) and counts the matches.
  const searched = admin.page.waitForRequest((request) => new URL(request.url()).searchParams.get('q') === `${prefix}-bu`)
  await console.search.fill(`${prefix}-bu`)
  await searched
  await expect(console.rooms.getByRole('row')).toHaveCount(2)
  await expect(admin.page.getByText('1 room matches', { exact: true })).toBeVisible()
  await console.openRoom(busy)
  await expect(console.connection('Dee')).toContainText('Can edit')
  // Each connection shows its own colour, as the server reports it.
  await expect(console.connection('Dee').locator('.avatar')).toHaveAttribute('style', new RegExp(`--avatar-color: ${dee.color}`))
  await expect(console.connection('Dee')).toContainText(/Connected \d+ (s|min)/)

  const download = admin.page.waitForEvent('download')
  await console.details.getByRole('button', { name: 'Export as Markdown' }).click()
  const file = await download
  expect(file.suggestedFilename()).toBe(`${busy}.md`)
  expect(readFileSync(await file.path(), 'utf8')).toContain('Minutes of the Tuesday meeting')
})
