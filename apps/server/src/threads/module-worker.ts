/**
 * Start a worker thread from a module beside the caller. The built server runs the compiled `.js`
 * file; tests and `npm run dev` run TypeScript sources through tsx, whose loader Node 20 does not hand
 * to worker threads, so a `.ts` worker registers tsx itself before importing its module.
 */
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/**
 * The URL of module `name` (without extension) next to `importMetaUrl`, with the caller's own
 * extension: `.js` when built, `.ts` when run from source.
 */
export function siblingModule(importMetaUrl: string, name: string): URL {
  return new URL(`./${name}${extname(fileURLToPath(importMetaUrl))}`, importMetaUrl)
}

/** What a worker from {@link startWatchedWorker} reports to its owner. */
export interface WorkerWatch<Reply> {
  message(reply: Reply): void
  /** The worker threw (`failed`) or stopped (`exited`); `detail` is for the log. */
  ended(how: 'failed' | 'exited', detail: { err: unknown } | { code: number }): void
}

/**
 * Start `module` in a worker thread that never keeps the process alive, and report its messages and
 * its end to `watch` for as long as `isCurrent(worker)` says its owner still uses it (an owner that
 * replaced or terminated it hears nothing more from it).
 */
export function startWatchedWorker<Reply>(module: URL, isCurrent: (worker: Worker) => boolean, watch: WorkerWatch<Reply>): Worker {
  const worker = startModuleWorker(module)
  worker.unref()
  worker.on('message', (reply: Reply) => {
    if (isCurrent(worker)) watch.message(reply)
  })
  worker.on('error', (error) => {
    if (isCurrent(worker)) watch.ended('failed', { err: error })
  })
  worker.on('exit', (code) => {
    if (isCurrent(worker)) watch.ended('exited', { code })
  })
  return worker
}

/** Start `module` (a URL from {@link siblingModule}) in a worker thread. */
export function startModuleWorker(module: URL, options: WorkerOptions = {}): Worker {
  if (extname(fileURLToPath(module)) !== '.ts') return new Worker(module, options)
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}) })`
  return new Worker(bootstrap, { ...options, eval: true })
}
