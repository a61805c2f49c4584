/**
 * Shared Vitest configuration. Every workspace runs its tests with this file
 * (`vitest run --config ../../vite.config.ts`) so that workspace packages resolve
 * to their TypeScript sources and every suite gets the same timeouts.
 */
import { fileURLToPath } from 'node:url'

import { defineConfig } from 'vitest/config'

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    alias: {
      '@tandem/protocol': fromRoot('./packages/protocol/src/index.ts'),
      '@tandem/client': fromRoot('./packages/client/src/index.ts'),
      '@tandem/document': fromRoot('./packages/document/src/index.ts'),
      '@tandem/server-process': fromRoot('./packages/server-process/src/index.ts'),
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration suites start real servers and databases; two cores do not like many at once.
    maxWorkers: 2,
  },
})
