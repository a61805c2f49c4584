/**
 * Operating a server: a deleted document waits in the trash and comes back whole, every step is in
 * the audit log, and a document that reaches `MAX_DOCUMENT_BYTES` says so instead of silently losing
 * what was typed. Other tests share the suite's server, so assertions are about this test's rooms.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { startServerProcess } from '@tandem/server-process'

import { AdminPage } from '../fixtures/admin-page.js'
import { E2E_ADMIN_TOKEN } from '../fixtures/secrets.js'
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('an administrator deletes a document, finds it in the trash and restores it; the audit log shows both', async ({ users }) => {
  test.slow()
  const room = uniqueRoom('trash')
  const ann = await users.open('Ann')
  await ann.editor.open(room)
  await ann.editor.typeAtEnd('# Budget\nKeep this safe.')
  await ann.editor.expectSaved()

  const admin = await users.open('Root')
  const console = new AdminPage(admin.page)
  await console.open(E2E_ADMIN_TOKEN)
  await console.expectSignedIn()
  await console.openRoom(room)
  await console.deleteOpenRoom(room)
  await expect(admin.page.getByRole('status').filter({ hasText: `Deleted “${room}”` })).toContainText('in the trash')
  await expect(ann.page.getByRole('heading', { name: 'This document was deleted by an administrator' })).toBeVisible()
  await expect(ann.page.getByText('An administrator can restore it.')).toBeVisible()

  // In the trash, by the administrator, with its size and when it would be purged.
  const item = console.trashItem(room)
  await expect(item).toContainText('by the administrator')
  await expect(item).toContainText('Kept until')
  await item.getByRole('button', { name: `Restore ${room}` }).click()
  await expect(admin.page.getByRole('status').filter({ hasText: `Restored “${room}”` })).toBeVisible()
  await expect(console.trashItem(room)).toHaveCount(0)
  await expect(console.row(room)).toHaveCount(1)

  // Ann opens it again: everything she wrote is there.
  await ann.editor.open(room)
  await expect(ann.editor.document.locator('h1')).toHaveText('Budget')
  await expect(ann.editor.document).toContainText('Keep this safe.')

  // The audit log lists both, newest first, by the administrator.
  const rows = console.auditRows(room)
  await expect(rows).toHaveCount(2)
  await expect(rows.nth(0)).toContainText('Restored')
  await expect(rows.nth(1)).toContainText('Deleted')
  await expect(rows.nth(0)).toContainText('the administrator')
  await console.audit.getByLabel('Action').selectOption({ label: 'Restored' })
  await expect(rows).toHaveCount(1)
  await expect(rows).toContainText('Restored')
  await console.audit.getByLabel('Who or what').fill(room)
  await expect(console.audit.getByRole('row')).toHaveCount(2) // the header and the one entry
})

test('a full document says so, keeps what was typed to copy, and opens again to be cut down', async ({ users }, testInfo) => {
  const port = Number(process.env.TANDEM_E2E_PORT ?? 8790) + 21 + testInfo.parallelIndex
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-e2e-full-'))
  const server = await startServerProcess({ port, dataDir, env: { MAX_DOCUMENT_BYTES: '65536' } })
  try {
    const room = uniqueRoom('full')
    const ann = await users.open('Ann')
    await ann.editor.open(room, server.url)
    await ann.editor.typeAtEnd('Short and saved.')
    await ann.editor.expectSaved()

    // One paste of ~70 KB of text that does not compress: more than the document may hold.
    await ann.editor.cursorToEnd()
    await ann.page.keyboard.insertText(` ${randomBytes(52_000).toString('base64')}`)
    await expect(ann.page.getByRole('heading', { name: 'This document is full' })).toBeVisible()
    await expect(ann.page.getByRole('region', { name: 'Keep what you had' })).toBeVisible()

    // Opened again, it holds what was saved, and still takes edits.
    await ann.editor.open(room, server.url)
    await expect(ann.editor.document).toHaveText('Short and saved.')
    await ann.editor.typeAtEnd(' Still editable.')
    await ann.editor.expectSaved()
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
