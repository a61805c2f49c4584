/**
 * Encoders and decoders for the binary frames of a `/collab/<room>` socket. The layout is the
 * standard y-websocket one (lib0 var-uint message type, then the payload); a frame carries exactly
 * one message and decoding refuses trailing bytes, so a garbled frame is caught here rather than
 * half-applied later.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

import { MessageType } from './message-type.js'

/** Sub-types of a {@link MessageType.Sync} message, as defined by y-protocols/sync. */
export const SyncStep = {
  /** The sender's state vector: "send me what I lack". */
  Step1: 0,
  /** The update answering a step 1: everything the asker lacked. */
  Step2: 1,
  /** An incremental update made after the initial exchange. */
  Update: 2,
} as const

/** One of the {@link SyncStep} values. */
export type SyncStep = (typeof SyncStep)[keyof typeof SyncStep]

/** Sub-types of a {@link MessageType.Auth} message, as defined by y-protocols/auth. */
export const AuthStep = {
  /** The server refused access; a reason follows. */
  PermissionDenied: 0,
  /**
   * Tandem's own: the connection may only read (`"read"` follows). Sent before the first sync step
   * to a read-only connection, so an editor can stop offering edits the server would drop. Stock
   * clients ignore auth sub-types other than 0 (y-protocols' `readAuthMessage`).
   */
  Access: 1,
} as const

/** A decoded collab frame. `data` is a state vector (step 1) or a Yjs/awareness update. */
export type CollabMessage =
  | { type: typeof MessageType.Sync; step: SyncStep; data: Uint8Array }
  | { type: typeof MessageType.Awareness; data: Uint8Array }
  | { type: typeof MessageType.Auth; reason: string }
  | { type: typeof MessageType.Auth; access: 'read' }
  | { type: typeof MessageType.QueryAwareness }
  | { type: typeof MessageType.Channel; json: string }

/** Thrown by {@link decodeCollabMessage} for a frame that is not a well-formed message. */
export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError'
}

/** Thrown by {@link decodeCollabMessage} for a well-formed frame of a type the protocol lacks. */
export class UnknownMessageTypeError extends Error {
  override name = 'UnknownMessageTypeError'
  constructor(readonly messageType: number) {
    super(`unknown message type ${messageType}`)
  }
}

function frame(type: MessageType, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, type)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** A sync step 1 frame carrying the sender's state vector. */
export function encodeSyncStep1(stateVector: Uint8Array): Uint8Array {
  return frame(MessageType.Sync, (e) => {
    encoding.writeVarUint(e, SyncStep.Step1)
    encoding.writeVarUint8Array(e, stateVector)
  })
}

/** A sync step 2 frame carrying the update that answers a step 1. */
export function encodeSyncStep2(update: Uint8Array): Uint8Array {
  return frame(MessageType.Sync, (e) => {
    encoding.writeVarUint(e, SyncStep.Step2)
    encoding.writeVarUint8Array(e, update)
  })
}

/** An incremental document update frame. */
export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
  return frame(MessageType.Sync, (e) => {
    encoding.writeVarUint(e, SyncStep.Update)
    encoding.writeVarUint8Array(e, update)
  })
}

/** An awareness frame carrying an update made by y-protocols' `encodeAwarenessUpdate`. */
export function encodeAwarenessFrame(update: Uint8Array): Uint8Array {
  return frame(MessageType.Awareness, (e) => encoding.writeVarUint8Array(e, update))
}

/** A query-awareness frame (no payload). */
export function encodeQueryAwareness(): Uint8Array {
  return frame(MessageType.QueryAwareness, () => {})
}

/** An auth "permission denied" frame, as the stock client's `permissionDeniedHandler` expects. */
export function encodeAuthDenied(reason: string): Uint8Array {
  return frame(MessageType.Auth, (e) => {
    encoding.writeVarUint(e, AuthStep.PermissionDenied)
    encoding.writeVarString(e, reason)
  })
}

/** An auth "access" frame telling a connection it may only read ({@link AuthStep.Access}). */
export function encodeReadOnlyAccess(): Uint8Array {
  return frame(MessageType.Auth, (e) => {
    encoding.writeVarUint(e, AuthStep.Access)
    encoding.writeVarString(e, 'read')
  })
}

/** A Tandem channel frame carrying one JSON text (see `channel.ts`). */
export function encodeChannelFrame(json: string): Uint8Array {
  return frame(MessageType.Channel, (e) => encoding.writeVarString(e, json))
}

function readBody(decoder: decoding.Decoder, type: number): CollabMessage {
  switch (type) {
    case MessageType.Sync: {
      const step = decoding.readVarUint(decoder)
      if (step !== SyncStep.Step1 && step !== SyncStep.Step2 && step !== SyncStep.Update) {
        throw new MalformedMessageError(`unknown sync step ${step}`)
      }
      return { type, step, data: decoding.readVarUint8Array(decoder) }
    }
    case MessageType.Awareness:
      return { type, data: decoding.readVarUint8Array(decoder) }
    case MessageType.Auth: {
      const step = decoding.readVarUint(decoder)
      if (step === AuthStep.PermissionDenied) return { type, reason: decoding.readVarString(decoder) }
      if (step !== AuthStep.Access) throw new MalformedMessageError(`unknown auth step ${step}`)
      const access = decoding.readVarString(decoder)
      if (access !== 'read') throw new MalformedMessageError(`unknown access ${JSON.stringify(access.slice(0, 20))}`)
      return { type, access }
    }
    case MessageType.QueryAwareness:
      return { type }
    case MessageType.Channel:
      return { type, json: decoding.readVarString(decoder) }
    default:
      throw new UnknownMessageTypeError(type)
  }
}

/**
 * Decode one collab frame.
 * @throws {MalformedMessageError} when the bytes are truncated, over-long or garbled.
 * @throws {UnknownMessageTypeError} when the message type is not defined.
 * @example
 * const message = decodeCollabMessage(new Uint8Array(frame))
 * if (message.type === MessageType.Sync) applyUpdate(doc, message.data)
 */
export function decodeCollabMessage(bytes: Uint8Array): CollabMessage {
  if (bytes.length === 0) throw new MalformedMessageError('empty frame')
  const decoder = decoding.createDecoder(bytes)
  let message: CollabMessage
  try {
    message = readBody(decoder, decoding.readVarUint(decoder))
  } catch (error) {
    if (error instanceof UnknownMessageTypeError || error instanceof MalformedMessageError) throw error
    // lib0 throws plain Errors ("Unexpected end of array", "Integer out of Range") on bad input.
    throw new MalformedMessageError(`undecodable frame: ${(error as Error).message}`)
  }
  if (decoding.hasContent(decoder)) {
    throw new MalformedMessageError(`${bytes.length - decoder.pos} trailing bytes after the message`)
  }
  return message
}
