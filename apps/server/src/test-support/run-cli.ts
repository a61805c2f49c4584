/**
 * A command-line tool of the server (`src/cli/<name>.ts`) run as its root script runs it: the built
 * `dist/cli/<name>.js` in a Node process of its own (turbo builds it before the server's tests).
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** How the tool ended, and what it printed. */
export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Run tool `name` with `args`; `env` adds to (or, as `''`, clears) this process's environment. */
export function runCli(name: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const entry = fileURLToPath(new URL(`../../dist/cli/${name}.js`, import.meta.url))
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entry, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}
