import { ERROR_CATALOGUE, isCamwatchError, redactUrl } from '../../core/index.js';
import { embeddedCredentialsPath, readOperatorLogin, isTlsUrl, tlsClientOptions } from '../../uplink/index.js';
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
    if (mqtt.url === undefined) return embeddedBrokerCheck(`${mqtt.embeddedHost}:${mqtt.embeddedPort}`, embeddedCredentialsPath(ctx.loaded));
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

/**
 * The agent starts the embedded broker itself, so there is no address to get wrong; but a login file the
 * agent would refuse (other users can read it, not a regular file, not a login) stops its start: say so now.
 */
export function embeddedBrokerCheck(address: string, credentialsFile: string): CheckResult {
  const where = `embedded broker on ${address}`;
  try {
    const login = readOperatorLogin(credentialsFile);
    return pass('broker', `${where}, login required (user ${login.username}, ${credentialsFile}: camwatch broker credentials)`);
  } catch (err) {
    const reason = isCamwatchError(err) ? err.details.reason : undefined;
    if (reason === 'missing') return pass('broker', `${where}; its operator login is generated at the agent's first start (${credentialsFile})`);
    // The file is the agent user's, mode 0600: another user cannot tell whether it is sound.
    if (reason === 'permission') return pass('broker', `${where}; ${credentialsFile} is not readable by this user (run doctor as the agent's user to check it)`);
    return failFrom('broker', err, ERROR_CATALOGUE.SECRET_UNREADABLE);
  }
}
