/**
 * Many client addresses from one test: Linux routes all of 127.0.0.0/8 to the loopback interface, so
 * a socket bound to 127.0.N.M reaches the server as a different client. Per-address limits can then
 * be tried at the scale of many attackers. 127.0.0.1 is left to the health pinger and bystanders.
 */

/** `count` distinct loopback addresses other than 127.0.0.1, e.g. `127.0.7.1`. */
export function attackerAddresses(count: number, block = 7): string[] {
  return Array.from({ length: count }, (_, i) => `127.${block}.${Math.floor(i / 250)}.${(i % 250) + 1}`)
}

/** Run `work` over `items` with at most `concurrency` at a time; resolves with the results in order. */
export async function inBatches<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index]!, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return results
}
