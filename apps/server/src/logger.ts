/** The server's structured logger (pino, JSON lines on stdout). */
import { type Logger, pino } from 'pino'

export type { Logger }

/** A logger at `level`; `silent` for tests. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'tandem' } })
}
