/**
 * Browser tests of Tandem against the built server (`npm run build` first; turbo does it for
 * `npm test`). One server for the run, on a fixed port with a fresh data directory; tests that must
 * restart a server start their own (`startServerProcess` from `@tandem/server-process`).
 */
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { defineConfig } from '@playwright/test'

import { E2E_ADMIN_TOKEN, E2E_PUBLISH_KEY } from './fixtures/secrets.js'

export const E2E_PORT = Number(process.env.TANDEM_E2E_PORT ?? 8790)

// Playwright loads this file in the runner and again in every worker; workers inherit the
// runner's environment, so the directory is made once and shared.
process.env.TANDEM_E2E_DATA_DIR ||= mkdtempSync(join(tmpdir(), 'tandem-e2e-'))

/** Debian's Chromium when present: Playwright cannot download its own browser everywhere. */
const systemChromium = '/usr/bin/chromium'

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  globalTeardown: './fixtures/global-teardown.ts',
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    trace: 'retain-on-failure',
    browserName: 'chromium',
    launchOptions: {
      ...(existsSync(systemChromium) ? { executablePath: systemChromium } : {}),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: 'node ../apps/server/dist/main.js',
    url: `http://127.0.0.1:${E2E_PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(E2E_PORT),
      HOST: '127.0.0.1',
      DATA_DIR: process.env.TANDEM_E2E_DATA_DIR,
      // The runner's DATABASE_URL is for the server's PostgreSQL suites, not for this server.
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
      PUBLISH_KEY: E2E_PUBLISH_KEY,
      ADMIN_TOKEN: E2E_ADMIN_TOKEN,
      // The admin charts sample every second instead of ten, so admin-charts.spec.ts sees them move quickly.
      STATS_SAMPLE_MS: '1000',
    },
  },
})
