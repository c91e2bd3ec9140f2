import type { IPublishPacket } from 'mqtt';
import type { Logger } from '../core/index.js';
import type { NonceMemory } from './command-auth.js';
import { takeCommand, type Reply } from './command-intake.js';
import { COMMAND_ERROR_CODES, DEFAULT_COMMAND_LIMITS, displayName, errorResponse, runCommand, type CommandHandler, type CommandLimits, type CommandResponse } from './commands.js';
import type { MqttOptions } from './options.js';
import type { DroppedPacket } from './packet-filter.js';
import type { BrokerLink } from './session.js';
import { commandFilter, commandName, commandTopic } from './topics.js';

/** Distinct topics whose ignored retained command or oversized packet is logged at warn; further ones at debug (bounded memory). */
const MAX_WARNED_TOPICS = 256;

export interface CommandServerOptions {
  config: Pick<MqttOptions, 'topicPrefix' | 'commands'>;
  agentId: string;
  /** Shared secret commands must be signed with; absent: unsigned accepted. */
  commandSecret?: string;
  /** mqtt.maxPacketBytes in force, named when a packet over it is skipped. */
  maxPacketBytes: number;
  /** The uplink's logger (component already bound). */
  logger: Logger;
}

/**
 * Answers IOC requests on `<prefix>/<agentId>/cmd/<name>` over the session's link: each message is decided
 * by takeCommand (retained, size, signature, depth, JSON, reply topic, freshness), run isolated by its
 * handler, and answered on its reply topic. Nothing here throws into MQTT.js.
 */
export class CommandServer {
  private readonly log: Logger;
  private readonly handlers = new Map<string, CommandHandler>();
  private readonly nonces: NonceMemory = new Map();
  /** Topics already warned about (retained command, oversized packet): once each, not at every connect. */
  private readonly warnedTopics = new Set<string>();
  /** The link whose command subscription the broker acknowledged (SUBACK): commands sent now are received. */
  private subscribedLink?: BrokerLink;

  constructor(private readonly options: CommandServerOptions) {
    this.log = options.logger;
  }

  /** Registers a handler; throws on a name that cannot be a topic level. */
  onCommand(name: string, handler: CommandHandler): void {
    commandTopic(this.options.config.topicPrefix, this.options.agentId, name); // throws on a name that is not a topic level
    this.handlers.set(name, handler);
  }

  /**
   * Subscribes to every command name on a newly accepted link. MQTT 5: nl, so the empty retained message
   * that clears a retained command does not come back to the agent; rap, so a command published retained
   * is seen as such even live (and ignored, then cleared).
   */
  subscribe(link: BrokerLink): void {
    link.client.subscribe(commandFilter(this.options.config.topicPrefix, this.options.agentId), { qos: 1, nl: true, rap: true }, (err) => {
      if (err !== undefined && err !== null) {
        if (!link.closed) this.log.warn({ err }, 'cannot subscribe to command topics; commands are unavailable');
        return;
      }
      this.subscribedLink = link;
      this.log.debug('command topics subscribed');
    });
  }

  /** Whether the broker acknowledged the command subscription on `link` (the session's current one). */
  subscribedOn(link: BrokerLink | undefined): boolean {
    return link !== undefined && !link.closed && this.subscribedLink === link;
  }

  /** One command message: decided by takeCommand, run isolated, answered; nothing here may throw or reject. */
  onMessage(link: BrokerLink, topic: string, payload: Buffer, packet: IPublishPacket): void {
    try {
      const name = commandName(this.options.config.topicPrefix, this.options.agentId, topic);
      if (name === undefined || link.closed) return;
      const intake = takeCommand(
        { name, payload, retain: packet.retain, ...(packet.properties === undefined ? {} : { properties: packet.properties }) },
        {
          prefix: this.options.config.topicPrefix,
          agentId: this.options.agentId,
          limits: this.limits(),
          ...(this.options.commandSecret === undefined ? {} : { secret: this.options.commandSecret }),
          nowMs: Date.now(),
          nonces: this.nonces,
        },
      );
      const command = displayName(name);
      if (intake.kind === 'ignore') {
        if (intake.reason === 'retained') this.ignoreRetainedCommand(link, topic, `retained command "${command}" ignored: a retained command would run again at every connect; clearing it`);
        else this.log.debug({ command }, 'empty message on a command topic ignored (it clears a retained message; a command is at least {})');
        return;
      }
      if (intake.kind === 'refuse') {
        // Fields named, values not: the body may hold a forged or captured sig; the secret is never in it.
        this.log.warn({ code: intake.response.error.code, command, ...(intake.reply === undefined ? {} : { replyTo: intake.reply.topic }) }, intake.response.error.message);
        this.sendResponse(link, command, intake.reply, intake.response);
        return;
      }
      const { request, reply } = intake;
      runCommand(this.handlers, name, request)
        .catch((err: unknown) => errorResponse(request.transaction, COMMAND_ERROR_CODES.COMMAND_FAILED, `${command} failed: ${err instanceof Error ? err.message : 'unknown error'}`))
        .then((response) => {
          this.log.info({ command, status: response.status, ...(response.error === undefined ? {} : { code: response.error.code }) }, 'command handled');
          this.sendResponse(link, command, reply, response);
        })
        .catch((err: unknown) => this.log.error({ err, command }, 'command answer failed'));
    } catch (err) {
      // Last line of defence: a bug in intake or logging must cost one command, never the process.
      this.log.error({ err, topic: topic.slice(0, 200) }, 'command message could not be handled');
    }
  }

  /** Called by the packet cap for each packet over mqtt.maxPacketBytes it skipped (the connection stays up). */
  onOversizedPacket(link: BrokerLink, packet: DroppedPacket): void {
    try {
      const topic = packet.topic ?? '(unknown topic)';
      const name = packet.topic === undefined ? undefined : commandName(this.options.config.topicPrefix, this.options.agentId, packet.topic);
      const text = `packet of ${packet.bytes} bytes on ${JSON.stringify(topic.slice(0, 200))} skipped unread: over mqtt.maxPacketBytes (${this.options.maxPacketBytes})`;
      if (name !== undefined && packet.retain === true) this.ignoreRetainedCommand(link, packet.topic!, `${text}; it is a retained command: clearing it`);
      else this.warnOnce(topic, { bytes: packet.bytes, topic: topic.slice(0, 200) }, text);
    } catch (err) {
      this.log.error({ err }, 'oversized packet report failed');
    }
  }

  private limits(): CommandLimits {
    return { ...DEFAULT_COMMAND_LIMITS, ...this.options.config.commands };
  }

  /** Publishes an answer on its reply topic (QoS 1, correlation data echoed over MQTT 5); never throws. */
  private sendResponse(link: BrokerLink, command: string, reply: Reply | undefined, response: CommandResponse): void {
    if (reply === undefined || link.closed) return;
    let text: string;
    try {
      text = JSON.stringify(response);
    } catch (err) {
      // A handler result JSON cannot carry (a BigInt, a cycle): answered, not thrown.
      text = JSON.stringify(errorResponse(undefined, COMMAND_ERROR_CODES.COMMAND_FAILED, `${command}: the result cannot be sent as JSON (${err instanceof Error ? err.message : 'unknown error'})`));
    }
    const opts = {
      qos: 1 as const,
      ...(reply.correlationData !== undefined && link.protocolVersion === 5 ? { properties: { correlationData: reply.correlationData } } : {}),
    };
    link.client.publish(reply.topic, text, opts, (err) => {
      if (err !== undefined && err !== null && !link.closed) this.log.warn({ err, command, replyTo: reply.topic }, 'command response not accepted');
    });
  }

  /**
   * A retained message on a command topic is never run, and is cleared (an empty retained message on its
   * topic; the box's ACL lets it write its own tree). If the broker refuses the clear, it stays ignored.
   */
  private ignoreRetainedCommand(link: BrokerLink, topic: string, message: string): void {
    this.warnOnce(topic, { topic: topic.slice(0, 200) }, message);
    if (link.closed) return;
    link.client.publish(topic, '', { qos: 1, retain: true }, (err) => {
      if (err !== undefined && err !== null && !link.closed) this.log.debug({ err, topic: topic.slice(0, 200) }, 'retained command not cleared (broker refused); it stays ignored');
    });
  }

  private warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.warnedTopics.has(key) || this.warnedTopics.size >= MAX_WARNED_TOPICS) {
      this.log.debug(fields, message);
      return;
    }
    this.warnedTopics.add(key);
    this.log.warn(fields, message);
  }
}
