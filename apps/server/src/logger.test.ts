import { Writable } from 'node:stream'

import { describe, expect, it } from 'vitest'

import { createLogger } from './logger.js'

/** A stream that keeps what is written to it. */
function capture(): { stream: Writable & { write: Writable['write'] }; text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString())
      done()
    },
  })
  return { stream, text: () => chunks.join('') }
}

describe('createLogger', () => {
  it('writes JSON lines for machines', () => {
    const out = capture()
    createLogger('info', 'json', out.stream).info({ port: 8787 }, 'Tandem is ready')
    expect(JSON.parse(out.text())).toMatchObject({ level: 30, msg: 'Tandem is ready', port: 8787, service: 'tandem' })
  })

  it('writes one readable line per event for a person', () => {
    const out = capture()
    createLogger('info', 'pretty', out.stream).info('Tandem is ready on http://localhost:8787')
    expect(out.text()).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: Tandem is ready on http:\/\/localhost:8787\n$/)
  })
})
