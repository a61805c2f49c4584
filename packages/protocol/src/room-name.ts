/** Longest room name accepted, in characters. */
export const ROOM_NAME_MAX_LENGTH = 128

/** Room names: 1-128 characters of letters, digits, `.`, `_` and `-`. Safe in URLs and file names. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9._-]{1,128}$/

/** Whether `name` is an acceptable room name. */
export function isValidRoomName(name: string): boolean {
  return ROOM_NAME_PATTERN.test(name)
}

/**
 * Why `name` is not a valid room name, or `null` when it is. The text is meant for the person who
 * typed the name, so it says what to change.
 */
export function roomNameProblem(name: string): string | null {
  if (name.length === 0) return 'room name is empty'
  if (name.length > ROOM_NAME_MAX_LENGTH) return `room name is longer than ${ROOM_NAME_MAX_LENGTH} characters`
  if (!ROOM_NAME_PATTERN.test(name)) return 'room name may only contain letters, digits, ".", "_" and "-"'
  return null
}
