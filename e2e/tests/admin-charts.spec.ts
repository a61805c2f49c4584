/**
 * The admin console's "Last hour" charts: they render with a text value and a description a screen
 * reader reads, and the edits chart rises while someone types. The e2e server samples every second
 * (`STATS_SAMPLE_MS` in playwright.config.ts). Other tests type on the same server at the same time,
 * so this one only asserts what its own typing must cause.
 */
import { AdminPage } from '../fixtures/admin-page.js'
import { E2E_ADMIN_TOKEN } from '../fixtures/secrets.js'
import { CHART_TITLES, StatsChartsCard } from '../fixtures/stats-charts.js'
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('the admin sees the last minutes charted, and the edits chart moves while someone types', async ({ users }) => {
  const admin = await users.open('Root', { viewport: { width: 1440, height: 900 } })
  const console = new AdminPage(admin.page)
  await console.open(E2E_ADMIN_TOKEN)
  await console.expectSignedIn()

  const charts = new StatsChartsCard(admin.page)
  await expect(charts.card).toBeVisible()
  // 360 samples of one second each.
  await expect(charts.card.getByRole('heading', { level: 2 })).toHaveText('Last 6 minutes')
  for (const title of CHART_TITLES) {
    await expect(charts.chart(title).getByRole('heading', { name: title })).toBeVisible()
    await expect(charts.image(title)).toBeVisible()
    await expect(charts.image(title)).toHaveAccessibleName(new RegExp(`^${title} over the last 6 minutes: `))
  }
  // Drawn from the first answer on: a fresh server's history is never empty.
  expect(await charts.line('Connections')).toMatch(/^M/)
  const before = await charts.line('Edits per second')

  const ann = await users.open('Ann')
  await ann.editor.open(uniqueRoom('charted'))
  await expect(charts.value('Connections')).toHaveText(/^[1-9]\d*$/)
  await ann.editor.cursorToEnd()
  // Ann keeps typing until the chart shows it: a sample with edits, its line redrawn, its value above zero.
  await expect(async () => {
    await ann.page.keyboard.type('Ann keeps typing. ')
    await expect(charts.value('Edits per second')).not.toHaveText(/^0\/s$/, { timeout: 500 })
    expect(Number.parseFloat((await charts.value('Edits per second').textContent()) ?? '')).toBeGreaterThan(0)
    await expect(charts.image('Edits per second')).toHaveAccessibleName(/highest (?!0\/s)[\d.]+\/s/, { timeout: 500 })
    expect(await charts.line('Edits per second')).not.toBe(before)
  }).toPass({ timeout: 30_000 })
  await ann.editor.expectSaved()
  // The time it took to store Ann's edits is charted too.
  await expect(charts.image('Write latency p99')).toHaveAccessibleName(/highest [\d.]+ ms/)
})
