/**
 * The uplink stage: drains the store's outbox to MQTT; the embedded broker for boxes without one.
 * createMqttUplink composes four parts over one broker link: session.ts (connection, MQTT 5 → 3.1.1
 * fallback via broker-connect.ts, backoff, packet cap, online/offline status), outbox-drain.ts (in-order,
 * at-least-once delivery over drain-window.ts), command-server.ts (intake, auth, handlers, responses) and
 * telemetry.ts (retained camera states, counts, stats). options.ts declares what it reads of `mqtt:`.
 */
export type { Uplink, UplinkStats } from './types.js';
export { createMqttUplink, DEFAULT_OUTBOX_POLL_MS } from './mqtt-uplink.js';
export { uplinkClientId, DEFAULT_MQTT_CONNECT_TIMEOUT_MS, DEFAULT_STOP_DISCONNECT_TIMEOUT_MS, DEFAULT_MQTT_MAX_PACKET_BYTES } from './session.js';
export { DEFAULT_STOP_DRAIN_TIMEOUT_MS } from './outbox-drain.js';
export { connectWithFallback, DEFAULT_MQTT_PROTOCOL_VERSION } from './broker-connect.js';
export type { MqttTlsFiles } from './options.js';
export { startEmbeddedBroker, embeddedBrokerUrl, DEFAULT_EMBEDDED_MAX_PACKET_BYTES } from './embedded-broker.js';
export { embeddedCredentialsPath, loadOrCreateOperatorLogin, readOperatorLogin } from './broker-credentials.js';
export type { BrokerAccessPolicy } from './broker-acl.js';
export type { EmbeddedBroker } from './embedded-broker.js';
export { DEFAULT_COMMAND_LIMITS } from './commands.js';
export type { CommandHandler } from './commands.js';
export { DEFAULT_RECONNECT_MIN_MS, DEFAULT_RECONNECT_MAX_MS, DEFAULT_RECONNECT_JITTER } from './backoff.js';
export { DEFAULT_COMMAND_MAX_SKEW_MS, DEFAULT_COMMAND_NONCE_TTL_MS } from './command-auth.js';
export { tlsClientOptions, isTlsUrl } from './tls.js';
export { DEFAULT_QUOTA_WARN_SHARE } from './stats.js';
export type { AgentStats } from './stats.js';
export { commandTreeOf } from './broker-acl.js';
export { ClipUploader, DEFAULT_CLIP_UPLOAD_BACKOFF, type ClipUploadStats } from './clip-upload.js';
