/**
 * Knows which local document changes the server holds durably. It relies on the server's contract:
 * the answer (sync step 2) to a sync step 1 is sent only once every update the same connection sent
 * before that step 1 is stored, and answers come back in the order the step 1s were sent. So each
 * step 1 we send is a "probe" that, when answered, confirms everything written to the socket before
 * it. Pure bookkeeping with no I/O: the connection reports what happened on the socket.
 *
 * Changes are counted as versions: the n-th local change is version n.
 */
export class SaveTracker {
  /** Local changes made so far. */
  #localVersion = 0
  /** Every change up to this version is stored on the server. */
  #savedVersion = 0
  /** Every change up to this version is stored or was written to the current socket. */
  #sentVersion = 0
  /** Whether the current socket has been given every change made before it opened. */
  #socketCaughtUp = false
  /** `#sentVersion` at each probe still waiting for its answer, oldest first. */
  #probes: number[] = []

  /** Every local change is stored on the server. */
  get saved(): boolean {
    return this.#savedVersion >= this.#localVersion
  }

  /** How many local changes are not stored on the server yet. */
  get unsaved(): number {
    return Math.max(0, this.#localVersion - this.#savedVersion)
  }

  /** Some change was written to the socket and no probe sent since covers it. */
  get probeWanted(): boolean {
    return this.#sentVersion > Math.max(this.#savedVersion, this.#probes.at(-1) ?? 0)
  }

  /** Probes sent on the current socket and not answered yet. */
  get probesInFlight(): number {
    return this.#probes.length
  }

  /** A local change was made; `written` says whether it went out on an open socket right away. */
  localChange(written: boolean): void {
    this.#localVersion++
    // A change written after a gap (changes made while the socket was not yet caught up) is not
    // confirmed by a probe until the gap is filled, so only a caught-up socket advances.
    if (written && this.#socketCaughtUp) this.#sentVersion = this.#localVersion
  }

  /** A new socket opened; nothing has been written to it yet. */
  socketOpened(): void {
    this.#probes = []
    this.#socketCaughtUp = false
    this.#sentVersion = this.#savedVersion
  }

  /**
   * The server sent its state vector and we answered with everything it lacked (the y-websocket
   * handshake), so the socket now carries every local change.
   */
  caughtUp(): void {
    this.#socketCaughtUp = true
    this.#sentVersion = this.#localVersion
  }

  /** A sync step 1 was written to the current socket. */
  probeSent(): void {
    this.#probes.push(this.#sentVersion)
  }

  /** The server answered the oldest probe (a sync step 2 arrived). */
  probeAnswered(): void {
    const confirmed = this.#probes.shift()
    if (confirmed !== undefined && confirmed > this.#savedVersion) this.#savedVersion = confirmed
  }

  /** The socket is gone: its unanswered probes will never be answered. */
  socketClosed(): void {
    this.#probes = []
    this.#socketCaughtUp = false
    this.#sentVersion = this.#savedVersion
  }
}
