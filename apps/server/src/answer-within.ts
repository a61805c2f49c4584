/** A yes/no check that must answer in time: health checks of connections that may hang. */

/** `check`'s answer, or `false` if it rejects or takes longer than `ms`. */
export async function answerWithin(check: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([check.catch(() => false), late])
  } finally {
    clearTimeout(timer)
  }
}
