/** The contract between `run-all.ts` and each benchmark file. */
import type { DurabilityMode } from './bench-server.js'
import type { Report } from './report.js'

/** What the runner hands a benchmark. */
interface BenchmarkContext {
  /** Durability mode every server started by this benchmark must use. */
  durability: DurabilityMode
  /** Print one progress line under the benchmark's heading. */
  progress: (message: string) => void
}

/**
 * One benchmark. `run` fills `report` and must release everything it acquired before it settles,
 * whether it succeeds or throws; a throw is recorded as an error of this benchmark only.
 */
export interface Benchmark {
  /** Selects it on the command line: `npx tsx bench/run-all.ts <name>`. */
  name: string
  /** One line saying what is measured. */
  summary: string
  run(context: BenchmarkContext, report: Report): Promise<void>
}
