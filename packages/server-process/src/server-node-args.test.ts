import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

import { SERVER_NODE_ARGS } from './server-process.js'

describe('SERVER_NODE_ARGS', () => {
  it('is what `npm start` passes to Node, so tests and benchmarks run the server as users do', () => {
    const rootPackage = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      scripts: { start: string }
    }
    expect(rootPackage.scripts.start).toContain(`node ${SERVER_NODE_ARGS.join(' ')} apps/server/dist/main.js`)
  })
})
