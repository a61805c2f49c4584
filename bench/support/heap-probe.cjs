/**
 * Preloaded into every server a benchmark starts (`NODE_OPTIONS=--require <this file>`, see
 * `heap-probe.ts`): on SIGUSR2 it collects garbage twice and writes `process.memoryUsage()` to
 * `<HEAP_PROBE_DIR>/heap-<pid>.json`, so a benchmark can read the JS heap of servers it cannot
 * otherwise reach into (the peers' stock entry points). Nothing happens until the first signal: the
 * idle figures of a server are its own. CommonJS, loaded with `--require`: as an ES module it would
 * start Node's module loader in CommonJS servers too, and add to their idle memory.
 */
'use strict'
const { renameSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')
const process = require('node:process')
const { setFlagsFromString } = require('node:v8')
const { runInNewContext } = require('node:vm')

const dir = process.env.HEAP_PROBE_DIR
if (dir) {
  let gc = null
  process.on('SIGUSR2', () => {
    if (!gc) {
      setFlagsFromString('--expose-gc')
      gc = runInNewContext('gc')
    }
    gc()
    gc()
    const file = join(dir, `heap-${process.pid}.json`)
    writeFileSync(`${file}.tmp`, JSON.stringify({ at: Date.now(), ...process.memoryUsage() }))
    renameSync(`${file}.tmp`, file)
  })
}
