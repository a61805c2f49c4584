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

/** Start `module` (a URL from {@link siblingModule}) in a worker thread. */
export function startModuleWorker(module: URL, options: WorkerOptions = {}): Worker {
  if (extname(fileURLToPath(module)) !== '.ts') return new Worker(module, options)
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}) })`
  return new Worker(bootstrap, { ...options, eval: true })
}
