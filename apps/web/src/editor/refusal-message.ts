/**
 * What the editor page says instead of the editor when the server turns the document away for good
 * (a 44xx close): the document was deleted, or this browser may not open it. Other refusals keep the
 * editor and leave the explanation to the status badge.
 */
import { CloseCode } from '@tandem/protocol'

/** A full-page explanation. */
export interface RefusalMessage {
  title: string
  body: string
}

/**
 * The explanation for close code `code` (with the server's `reason`) on room `room`, or `null` when
 * the status badge says enough.
 */
export function refusalMessage(code: number, room: string, reason = ''): RefusalMessage | null {
  switch (code) {
    case CloseCode.RoomDeleted:
      return {
        title: /administrator/.test(reason) ? 'This document was deleted by an administrator' : 'This document was deleted',
        body: `“${room}” is in the server’s trash with its history; nothing more can be saved to it. An administrator can restore it.`,
      }
    case CloseCode.DocumentFull:
      return {
        title: 'This document is full',
        body: `Your last changes to “${room}” were not saved: the document holds as much as this server allows. Keep a copy of what you wrote below, then reopen the document to make room by cutting it down, or ask an administrator.`,
      }
    case CloseCode.ServerFull:
      return {
        title: 'This server is full',
        body: `“${room}” cannot be created: the server stores as many documents as it may. Ask an administrator to purge deleted documents or raise the limit.`,
      }
    case CloseCode.Unauthorized:
    case CloseCode.TokenExpired:
      return {
        title: 'You are not signed in to this document',
        body: `The server needs a valid sign-in to open “${room}”. Open it again from the app that sent you here.`,
      }
    case CloseCode.Forbidden:
      return {
        title: 'You do not have access to this document',
        body: `Your sign-in does not include “${room}”. Ask its owner for access.`,
      }
    default:
      return null
  }
}
