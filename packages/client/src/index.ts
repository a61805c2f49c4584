/** Tandem client SDK: connect documents to a Tandem server from a browser or Node. */
export { type ChannelTransport, providerTransport, sseTransport, type TransportHandlers, webSocketTransport } from './channel-transports.js'
export {
  connectDocument,
  type ConnectDocumentOptions,
  type ConnectionStatus,
  DocumentConnection,
  type DocumentConnectionState,
} from './document-connection.js'
export { browserNetworkSignal, type NetworkSignal } from './network-signal.js'
export {
  type ChannelMessage,
  NotificationsClient,
  type NotificationsClientOptions,
  type NotificationsStatus,
} from './notifications-client.js'
export { DEFAULT_RECONNECT_POLICY, reconnectDelay, type ReconnectPolicy } from './reconnect-policy.js'
export { SaveTracker } from './save-tracker.js'
