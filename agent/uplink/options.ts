import type { CommandLimits } from './commands.js';
import type { SnapshotMode } from './payload.js';

/**
 * What the uplink reads of the `mqtt:` section of camwatch.yaml, declared here so the uplink depends on no
 * config code: the config's schema (agent/config/schema.ts) validates the file and its `Config['mqtt']`
 * fits this shape (the compiler checks it where the agent passes `config.mqtt` in). Defaults the config
 * fills in are the uplink's DEFAULT_… constants (test/unit/uplink/options.test.ts).
 */
export interface MqttOptions {
  /** Broker URL; absent means the embedded broker (its URL is filled in before the uplink is created). */
  url?: string | undefined;
  /** Defaults to camwatch-<agentId> (uplinkClientId). */
  clientId?: string | undefined;
  username?: string | undefined;
  /** First topic level(s) of everything published. */
  topicPrefix: string;
  keepaliveSeconds: number;
  /** Unacknowledged QoS 1 messages in flight (messages). */
  maxInflight: number;
  /** Largest packet accepted from the broker (bytes); DEFAULT_MQTT_MAX_PACKET_BYTES when absent. */
  maxPacketBytes?: number | undefined;
  snapshot: SnapshotMode;
  /** Inline snapshots larger than this are left out of the event (bytes). */
  maxInlineSnapshotBytes: number;
  /** An event published this long after it was stored is flagged historical (s); default 300. */
  historicalAfterSeconds?: number | undefined;
  /** MQTT 5: CloudEvents attributes on incident events; default true. */
  cloudEvents?: boolean | undefined;
  tls?: MqttTlsOptions | undefined;
  /** Limits on IOC commands; DEFAULT_COMMAND_LIMITS for what is absent. */
  commands?: Partial<CommandLimits> | undefined;
  /** File of the embedded broker's operator login, relative to the config file (embeddedCredentialsPath). */
  embeddedCredentialsFile?: string | undefined;
}

/** mqtt.tls: used for mqtts:// and wss:// URLs only. */
export interface MqttTlsOptions {
  rejectUnauthorized?: boolean | undefined;
  servername?: string | undefined;
}

/** PEM bytes of the files mqtt.tls names (each only when named), read once at load by the config. */
export interface MqttTlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}
