/**
 * Vitest configuration of the hostile-input suite. `--mode ci` (what `npm test` runs) keeps every
 * attack small enough for a two-core CI machine; `--mode full` (`npm run test:hostile`) runs the
 * counts the README promises. Tests read the scale through `support/scale.ts`.
 */
import { defineConfig, mergeConfig } from 'vitest/config'

import shared from '../vite.config.js'

export default defineConfig(({ mode }) => {
  const scale = mode === 'full' || mode === 'ci' ? mode : process.env.HOSTILE_SCALE === 'full' ? 'full' : 'ci'
  // The global setup runs in this process, the tests in workers: both read it from the environment.
  process.env.HOSTILE_SCALE = scale
  return mergeConfig(shared, {
    test: {
      include: ['**/*.test.ts'],
      exclude: ['node_modules/**'],
      globalSetup: ['./support/global-setup.ts'],
      env: { HOSTILE_SCALE: scale },
      // Each file starts its own servers and measures stalls and memory: nothing may run beside it.
      fileParallelism: false,
      maxWorkers: 1,
      testTimeout: scale === 'full' ? 1_800_000 : 120_000,
      hookTimeout: 60_000,
    },
  })
})
