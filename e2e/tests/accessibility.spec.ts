/**
 * An accessibility pass with axe-core on every page a person uses: home, the editor with its
 * drawers (comments, history) and menus, a read-only view, and the admin console. No serious or
 * critical violation may appear; each is listed with the elements it found.
 */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'

import { AdminPage } from '../fixtures/admin-page.js'
import { E2E_ADMIN_TOKEN } from '../fixtures/secrets.js'
import { expect, test, uniqueRoom } from '../fixtures/test.js'

/** Serious and critical violations on `page` as it is now, one line each with where they are. */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} — ${violation.nodes.map((node) => `${node.target.join(' ')} ${node.failureSummary ?? ''} ${node.html}`).join(', ')}`,
    )
}

test('home, editor, drawers and admin have no serious or critical accessibility violations', async ({ users }) => {
  const ann = await users.open('Ann')
  const room = uniqueRoom('a11y')
  await ann.page.goto(`/d/${room}`)
  await expect(ann.editor.connectionStatus).toHaveText('Live')
  await ann.editor.typeAtEnd('# Plan')
  await ann.page.keyboard.press('Enter')
  await ann.page.keyboard.type('[ ] first step')
  await ann.page.keyboard.press('Enter')
  await ann.page.keyboard.press('Enter')
  await ann.editor.toolbar.getByRole('button', { name: 'Insert table', exact: true }).click()
  await ann.page.keyboard.type('cell')
  await ann.editor.expectSaved()
  expect(await violations(ann.page), 'editor').toEqual([])

  const comments = ann.page.locator('button[aria-controls="comments-panel"]')
  await comments.click()
  expect(await violations(ann.page), 'comments drawer').toEqual([])
  await comments.click()
  await ann.page.getByRole('button', { name: 'History', exact: true }).click()
  expect(await violations(ann.page), 'history drawer').toEqual([])
  await ann.page.getByRole('button', { name: 'Download' }).click()
  expect(await violations(ann.page), 'download menu').toEqual([])

  await ann.home.open()
  await expect(ann.home.documentLink(room)).toBeVisible()
  expect(await violations(ann.page), 'home').toEqual([])

  const admin = new AdminPage(ann.page)
  await admin.open(E2E_ADMIN_TOKEN)
  await expect(ann.page.getByRole('table').first()).toBeVisible()
  expect(await violations(ann.page), 'admin console').toEqual([])
})
