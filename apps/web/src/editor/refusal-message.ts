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

/** The explanation for close code `code` on room `room`, or `null` when the status badge says enough. */
export function refusalMessage(code: number, room: string): RefusalMessage | null {
  switch (code) {
    case CloseCode.RoomDeleted:
      return {
        title: 'This document was deleted',
        body: `“${room}” and its history were removed from this server; nothing more can be saved to it.`,
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
