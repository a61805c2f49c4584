/**
 * How hard the suite attacks. `npm test` runs the `ci` scale (the whole suite in under three minutes
 * on two cores); `npm run test:hostile` runs `full`, the counts the README promises. The vitest config
 * sets `HOSTILE_SCALE` from `--mode`.
 */

/** `ci` or `full`. */
export const SCALE: 'ci' | 'full' = process.env.HOSTILE_SCALE === 'full' ? 'full' : 'ci'

/** Pick the figure for the current scale. */
export function atScale<T>(ci: T, full: T): T {
  return SCALE === 'full' ? full : ci
}

/**
 * The seed of every generated attack, printed by each suite; set `HOSTILE_SEED` to replay a failure
 * (fast-check also prints the seed and the shrunk counterexample when a property fails).
 */
export const SEED =
  Number.isSafeInteger(Number(process.env.HOSTILE_SEED)) && process.env.HOSTILE_SEED ? Number(process.env.HOSTILE_SEED) : 0x7a4d3e8
