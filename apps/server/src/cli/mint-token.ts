/**
 * `npm run token -- --sub alice --name Alice --room 'team-*=write' --channel news --ttl 3600`
 * prints an access token signed with the server's `AUTH_SECRET`, so trying secure mode takes one
 * command. Like `main.ts`, an entry point: it reads the environment through `loadConfig`.
 */
import { parseArgs } from 'node:util'

import { mintToken } from '../auth/tokens.js'
import { ConfigError, loadConfig } from '../config.js'

const USAGE = `usage: npm run token -- --sub <user id> [--name <display name>] [--color #rrggbb]
         [--room <pattern>=read|write]... [--channel <pattern>]... [--ttl <seconds, default 3600>]
Needs AUTH_SECRET in the environment (the same value as the server's).`

function fail(message: string): never {
  process.stderr.write(`tandem token: ${message}\n${USAGE}\n`)
  process.exit(2)
}

async function main(): Promise<void> {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        sub: { type: 'string' },
        name: { type: 'string' },
        color: { type: 'string' },
        room: { type: 'string', multiple: true },
        channel: { type: 'string', multiple: true },
        ttl: { type: 'string' },
        help: { type: 'boolean' },
      },
    }))
  } catch (error) {
    fail((error as Error).message)
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  let secret: string | null
  try {
    secret = loadConfig(process.env).authSecret
  } catch (error) {
    fail(error instanceof ConfigError ? error.message : String(error))
  }
  if (!secret) fail('AUTH_SECRET is not set')
  if (!values.sub) fail('--sub is required')
  const rooms: Record<string, 'read' | 'write'> = {}
  for (const grant of values.room ?? ['*=write']) {
    const match = /^(.+)=(read|write)$/.exec(grant)
    if (!match) fail(`--room must look like <pattern>=read or <pattern>=write, got ${grant}`)
    rooms[match[1]!] = match[2] as 'read' | 'write'
  }
  const ttl = Number(values.ttl ?? 3600)
  if (!Number.isInteger(ttl) || ttl < 60) fail('--ttl must be a whole number of seconds, at least 60')
  try {
    const token = await mintToken(
      {
        sub: values.sub,
        name: values.name ?? values.sub,
        ...(values.color ? { color: values.color } : {}),
        rooms,
        ...(values.channel ? { channels: values.channel } : {}),
      },
      secret,
      ttl,
    )
    process.stdout.write(`${token}\n`)
  } catch (error) {
    fail((error as Error).message)
  }
}

await main()
