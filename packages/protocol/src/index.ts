/**
 * `@tandem/protocol`: what goes over Tandem's sockets and HTTP API. Shared by the server, the web app,
 * the client SDK and tests.
 */
export { type AdminStats, adminStatsSchema } from './admin-stats.js'
export {
  CHANNEL_NAME_MAX_LENGTH,
  CHANNEL_NAME_PATTERN,
  ChannelErrorCode,
  ChannelFrameError,
  channelMatches,
  type ChannelMessage,
  channelPatternProblem,
  type ClientChannelFrame,
  isPrivateChannel,
  isValidChannelName,
  MAX_CHANNELS_PER_FRAME,
  parseClientChannelFrame,
  PRIVATE_CHANNEL_PREFIXES,
  type ServerChannelFrame,
} from './channel.js'
export { CloseCode, closeCodeName } from './close-code.js'
export {
  AuthStep,
  type CollabMessage,
  decodeCollabMessage,
  encodeAuthDenied,
  encodeAwarenessFrame,
  encodeChannelFrame,
  encodeQueryAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  MalformedMessageError,
  SyncStep,
  UnknownMessageTypeError,
} from './frames.js'
export { isMessageType, MessageType } from './message-type.js'
export { isValidRoomName, ROOM_NAME_MAX_LENGTH, ROOM_NAME_PATTERN, roomNameProblem } from './room-name.js'
