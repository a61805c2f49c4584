/** Tandem client SDK: connect documents to a Tandem server from a browser or Node. */
export { type ConnectDocumentOptions, type ConnectionStatus, connectDocument, DocumentConnection, type DocumentConnectionState } from './document-connection.js'
export { browserNetworkSignal, type NetworkSignal } from './network-signal.js'
export { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy, reconnectDelay } from './reconnect-policy.js'
export { SaveTracker } from './save-tracker.js'
export { type ChannelTransport, providerTransport, sseTransport, type TransportHandlers, webSocketTransport } from './channel-transports.js'
export { type ChannelMessage, NotificationsClient, type NotificationsClientOptions, type NotificationsStatus } from './notifications-client.js'
