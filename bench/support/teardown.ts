/**
 * Clean-up steps run newest first, so a benchmark releases what it acquired (sockets, providers,
 * server processes, temporary directories) in reverse order even when it fails half-way.
 */

interface Step {
  what: string
  run: () => unknown
}

/** A last-in-first-out list of clean-up steps. */
export class Teardown {
  readonly #steps: Step[] = []

  /** Register `run` for {@link Teardown.run}; steps registered later run first. */
  defer(what: string, run: () => unknown): void {
    this.#steps.push({ what, run })
  }

  /**
   * Run every step, newest first. A failing step never stops the ones after it: a server that did not
   * exit cleanly must still have its data directory removed. Resolves with one line per failure.
   */
  async run(): Promise<string[]> {
    const failures: string[] = []
    for (let step = this.#steps.pop(); step; step = this.#steps.pop()) {
      try {
        await step.run()
      } catch (error) {
        failures.push(`clean-up "${step.what}" failed: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    return failures
  }
}
