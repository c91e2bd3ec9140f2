import { describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../../agent/config/index.js';
import { DEFAULT_COMMAND_LIMITS, DEFAULT_EMBEDDED_MAX_PACKET_BYTES, DEFAULT_MQTT_MAX_PACKET_BYTES, embeddedCredentialsPath } from '../../../agent/uplink/index.js';
import { EMBEDDED_CREDENTIALS_FILE } from '../../../agent/uplink/broker-credentials.js';
import type { MqttOptions } from '../../../agent/uplink/options.js';

describe('the uplink options the config fills in', () => {
  const mqtt: Config['mqtt'] = configSchema.parse({}).mqtt;

  it('defaults to the uplink\'s own DEFAULT_… constants', () => {
    expect(mqtt.maxPacketBytes).toBe(DEFAULT_MQTT_MAX_PACKET_BYTES);
    expect(mqtt.embeddedMaxPacketBytes).toBe(DEFAULT_EMBEDDED_MAX_PACKET_BYTES);
    expect(mqtt.commands).toEqual(DEFAULT_COMMAND_LIMITS);
  });

  it('the config\'s mqtt section is what the uplink reads (checked by the compiler too)', () => {
    const options: MqttOptions = mqtt;
    expect(options.topicPrefix).toBe('camwatch');
  });
});

describe('embeddedCredentialsPath', () => {
  const config = (embeddedCredentialsFile?: string) => ({ mqtt: { embeddedCredentialsFile }, agent: { dataDir: './var' } });

  it('is in agent.dataDir, relative to the config file', () => {
    expect(embeddedCredentialsPath({ baseDir: '/etc/camwatch', config: config() })).toBe(`/etc/camwatch/var/${EMBEDDED_CREDENTIALS_FILE}`);
  });

  it('follows mqtt.embeddedCredentialsFile, relative or absolute', () => {
    expect(embeddedCredentialsPath({ baseDir: '/etc/camwatch', config: config('secrets/login.json') })).toBe('/etc/camwatch/secrets/login.json');
    expect(embeddedCredentialsPath({ baseDir: '/etc/camwatch', config: config('/run/login.json') })).toBe('/run/login.json');
  });
});
