import { AdminPage } from '../fixtures/admin-page.js'
import { E2E_ADMIN_TOKEN } from '../fixtures/secrets.js'
import { expect, test } from '../fixtures/test.js'
test('shot', async ({ users }) => {
  const admin = await users.open('Root', { viewport: { width: 1440, height: 900 } })
  const console = new AdminPage(admin.page)
  await console.open(E2E_ADMIN_TOKEN)
  await console.expectSignedIn()
  await console.announce({ title: 'Maintenance', message: 'The server restarts at 22:00; your work is kept.', level: 'Warning' })
  await expect(console.broadcastFeedback).toHaveText(/^Announcement sent/)
  await admin.page.waitForTimeout(500)
  await admin.page.screenshot({ path: '/tmp/admin-toast.png' })
})
