/** Icon paths of the notification UI, drawn on the 24×24 grid that `icon()` expects (Lucide-style strokes). */

/** The header bell. */
export const BELL_ICON = '<path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/>'

/** An informational notification. */
export const INFO_ICON = '<circle cx="12" cy="12" r="10"/><path d="M12 16v-4"/><path d="M12 8h.01"/>'

/** A warning notification. */
export const WARNING_ICON =
  '<path d="m21.73 18-8-14a2 2 0 0 0-3.48 0l-8 14A2 2 0 0 0 4 21h16a2 2 0 0 0 1.73-3"/><path d="M12 9v4"/><path d="M12 17h.01"/>'

/** A remark of the app itself (e.g. lost history). */
export const NOTICE_ICON = '<path d="M3 12a9 9 0 1 0 9-9 9.75 9.75 0 0 0-6.74 2.74L3 8"/><path d="M3 3v5h5"/><path d="M12 7v5l4 2"/>'

/** Dismiss. */
export const CLOSE_ICON = '<path d="M18 6 6 18"/><path d="m6 6 12 12"/>'

/** Mark all read. */
export const CHECK_ALL_ICON = '<path d="M18 6 7 17l-5-5"/><path d="m22 10-7.5 7.5L13 16"/>'
