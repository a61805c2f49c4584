/** Reading the server's JSON error body, `{ error: { code, message } }`, from a refused request. */

/** The `code` and `message` of the server's error body, `null` for what it did not send (a proxy's HTML page, say). */
export async function readApiError(response: Response): Promise<{ code: string | null; message: string | null }> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } } | null
    const { code, message } = body?.error ?? {}
    return {
      code: typeof code === 'string' ? code : null,
      message: typeof message === 'string' && message.trim() !== '' ? message.trim() : null,
    }
  } catch {
    return { code: null, message: null }
  }
}
