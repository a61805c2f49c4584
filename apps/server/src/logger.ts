/**
 * The server's structured logger (pino). JSON lines for machines (a log collector, a pipe, tests);
 * one readable line per event, in colour, for a person at a terminal.
 */
import { createRequire } from 'node:module'

import { type DestinationStream, type Logger, pino } from 'pino'
import type { PrettyOptions, PrettyStream } from 'pino-pretty'

export type { Logger }

/** How log lines are written: `auto` is `pretty` at a terminal and `json` otherwise. */
export type LogFormat = 'auto' | 'json' | 'pretty'

/** A logger at `level` (`silent` for tests), writing to stdout unless given `destination`. */
export function createLogger(level: string, format: LogFormat = 'json', destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'tandem' } }
  const readable = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true)
  if (!readable) return destination ? pino(options, destination) : pino(options)
  // Loaded only for a person at a terminal: a server writing JSON lines never needs it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as (options: PrettyOptions) => PrettyStream
  const stream = pretty({
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'HH:MM:ss',
    // The start-up lines say their url, mode, files in words: their fields are for machines only.
    ignore: 'pid,hostname,service,url,port,mode,databaseFile,database,adminUrl,file',
    // Context on the same line, so a newcomer reads one line per event.
    singleLine: true,
    sync: true,
    ...(destination ? { destination } : {}),
  })
  return pino(options, stream)
}
