import { ERROR_CATALOGUE } from '../../ops/errors.js';
import { redactUrl } from '../../ops/redact.js';
import { isTlsUrl, tlsClientOptions } from '../../uplink/tls.js';
import { connectBroker } from '../mqtt-connect.js';
import { failFrom, pass, type CheckResult, type DoctorCheck } from './types.js';

/**
 * `broker`: connects with the configured URL, user and password (from the secrets) and waits for the
 * CONNACK, so a wrong password or a firewall shows here rather than as a silent backlog.
 */
export const brokerCheck: DoctorCheck = {
  name: 'broker',
  async run(ctx): Promise<CheckResult> {
    const { mqtt, agent } = ctx.loaded.config;
    if (mqtt.url === undefined) {
      // The agent starts the broker itself: there is no address, user or password to get wrong.
      return pass(
        'broker',
        `embedded broker on ${mqtt.embeddedHost}:${mqtt.embeddedPort}, nothing to check (set mqtt.url to publish to the IOC's broker)`,
      );
    }
    const safeUrl = redactUrl(mqtt.url);
    ctx.progress.start(`connecting to ${safeUrl}`);
    try {
      const { client, protocolVersion, connectMs } = await connectBroker({
        url: mqtt.url,
        ...(mqtt.username === undefined ? {} : { username: mqtt.username }),
        ...(ctx.loaded.secrets.mqttPassword === undefined ? {} : { password: ctx.loaded.secrets.mqttPassword }),
        clientIdPrefix: 'cw-doctor-',
        // The agent's own TLS settings: a wrong CA or client certificate shows here as MQTT_TLS.
        clientOptions: tlsClientOptions(mqtt.url, mqtt.tls, ctx.loaded.secrets.mqttTls),
      });
      await client.endAsync();
      const user = mqtt.username === undefined ? 'anonymously' : `as ${mqtt.username}`;
      const tls = isTlsUrl(mqtt.url) ? ', TLS verified' : '';
      return pass('broker', `${safeUrl}: accepted ${user} in ${connectMs} ms (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}${tls}), agent ${agent.id}`);
    } catch (err) {
      return failFrom('broker', err, ERROR_CATALOGUE.MQTT_UNREACHABLE);
    } finally {
      ctx.progress.stop();
    }
  },
};
