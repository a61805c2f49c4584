/** Fresh data directories for benchmark servers, removed afterwards even if the run is interrupted. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A directory under the OS temp dir that exists until {@link TempDir.remove} or process exit. */
export class TempDir {
  readonly path: string
  readonly #removeOnExit = (): void => this.remove()

  constructor(prefix: string) {
    this.path = mkdtempSync(join(tmpdir(), `${prefix}-`))
    // Ctrl-C makes the runner call process.exit(), which skips pending teardowns but still emits 'exit'.
    process.once('exit', this.#removeOnExit)
  }

  /** Delete the directory and everything in it. Idempotent. */
  remove(): void {
    process.off('exit', this.#removeOnExit)
    rmSync(this.path, { recursive: true, force: true })
  }
}
