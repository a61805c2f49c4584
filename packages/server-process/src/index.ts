/**
 * The built Tandem server as a child process: {@link startServerProcess} spawns it, waits for its
 * `READY_FILE` and returns a {@link ServerProcess} to reach, watch, stop or kill.
 */
export type { LineListener } from './captured-output.js'
export type { ReadyInfo } from './ready-file.js'
export { SERVER_ENTRY, type ServerExit, type ServerProcess, type ServerProcessOptions, startServerProcess } from './server-process.js'
