/**
 * Vitest global setup of the server's suites: the suites that need Redis or PostgreSQL read
 * `REDIS_URL` / `DATABASE_URL`. When one is unset and the service answers on its usual local port,
 * it is set to that (workers inherit this process's environment); when it does not answer, one line
 * says which suites skip and how to run them. `npm test` then uses what a developer machine has
 * without anyone exporting variables, and never skips in silence.
 */
import { Socket } from 'node:net'

interface LocalService {
  variable: 'REDIS_URL' | 'DATABASE_URL'
  name: string
  port: number
  url: string
  /** What skips without it. */
  suites: string
}

const SERVICES: LocalService[] = [
  { variable: 'REDIS_URL', name: 'Redis', port: 6379, url: 'redis://127.0.0.1:6379', suites: 'the Redis PUBLISH bridge suites' },
  {
    variable: 'DATABASE_URL',
    name: 'PostgreSQL',
    port: 5432,
    url: 'postgres://postgres@127.0.0.1:5432/test',
    suites: 'the PostgreSQL store suites',
  },
]

/** Whether something accepts TCP connections on 127.0.0.1:`port` within `timeoutMs`. */
function answers(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    socket.connect(port, '127.0.0.1')
  })
}

export default async function setup(): Promise<void> {
  for (const service of SERVICES) {
    if (process.env[service.variable]) continue
    if (await answers(service.port)) {
      process.env[service.variable] = service.url
      console.log(`${service.name}: ${service.variable} is not set; using ${service.url}, which answers on this machine`)
    } else {
      console.log(`${service.name}: not found at 127.0.0.1:${service.port} and ${service.variable} is not set, so ${service.suites} skip`)
    }
  }
}
