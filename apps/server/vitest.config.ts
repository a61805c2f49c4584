/**
 * Vitest configuration of the server: the shared one, plus a global setup that finds Redis and
 * PostgreSQL on this machine when `REDIS_URL` / `DATABASE_URL` are not set, and says which suites
 * will skip when they are not there.
 */
import { defineConfig, mergeConfig } from 'vitest/config'

import shared from '../../vite.config.js'

export default mergeConfig(shared, defineConfig({ test: { globalSetup: ['./src/test-support/local-services.ts'] } }))
