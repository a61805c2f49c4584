/**
 * Server settings for the fuzzers: the limits that would cut a fuzzing connection off long before it
 * reached the decoders (frames per second, refused frames per minute) are raised, so the attack
 * exercises parsing and not only rate limiting. Sizes and structure keep their defaults. The limits
 * themselves are tried in `limits.test.ts`.
 */
export const FUZZ_ENV: Record<string, string> = {
  MAX_MESSAGES_PER_SECOND: '100000',
  MAX_REJECTED_MESSAGES: '100000',
}
