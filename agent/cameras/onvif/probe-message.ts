import { randomUUID } from 'node:crypto';
import { at, childrenNamed, parseXml, textAt, type XmlElement } from './xml.js';
import type { DiscoveredDevice, DiscoveryScopes } from './types.js';

/**
 * WS-Discovery (2005/04, the version ONVIF mandates) Probe building and ProbeMatches parsing. Pure: no
 * sockets here, so the parsing of whatever a network throws at us is unit-tested on strings.
 */

export const WS_DISCOVERY_ACTION_PROBE = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe';
export const WS_DISCOVERY_ACTION_PROBE_MATCHES = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches';

/** A fresh message id (`urn:uuid:…`); replies carry it back in RelatesTo. */
export function newMessageId(): string {
  return `urn:uuid:${randomUUID()}`;
}

/** SOAP 1.2 Probe for ONVIF video transmitters. */
export function buildProbe(messageId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"' +
    ' xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"' +
    ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"' +
    ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
    '<s:Header>' +
    `<a:MessageID>${messageId}</a:MessageID>` +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>' +
    `<a:Action s:mustUnderstand="1">${WS_DISCOVERY_ACTION_PROBE}</a:Action>` +
    '</s:Header>' +
    '<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body>' +
    '</s:Envelope>'
  );
}

/** Why a datagram was not a usable ProbeMatches (for a debug log line). */
export type ProbeParseResult =
  | { ok: true; matches: Omit<DiscoveredDevice, 'address'>[] }
  | { ok: false; reason: string };

/**
 * Parses one datagram. Returns the matches, or a reason it was ignored: malformed XML, not a
 * ProbeMatches, a reply to someone else's probe (RelatesTo differs), or no usable match inside.
 */
export function parseProbeMatches(datagram: string, expectedMessageId?: string): ProbeParseResult {
  let envelope: XmlElement;
  try {
    envelope = parseXml(datagram, { maxBytes: 65_536 });
  } catch (err) {
    return { ok: false, reason: `malformed XML: ${(err as Error).message}` };
  }
  if (envelope.name !== 'Envelope') return { ok: false, reason: `root is <${envelope.name}>, not a SOAP Envelope` };
  const relatesTo = textAt(envelope, 'Header', 'RelatesTo');
  // Some cameras omit RelatesTo; when present it must be ours, or the reply belongs to another prober.
  if (expectedMessageId !== undefined && relatesTo !== undefined && relatesTo !== expectedMessageId) {
    return { ok: false, reason: `RelatesTo ${relatesTo} is not our probe` };
  }
  const probeMatches = at(envelope, 'Body', 'ProbeMatches');
  if (!probeMatches) return { ok: false, reason: 'no ProbeMatches in Body' };
  const matches: Omit<DiscoveredDevice, 'address'>[] = [];
  for (const match of childrenNamed(probeMatches, 'ProbeMatch')) {
    const urn = textAt(match, 'EndpointReference', 'Address');
    if (urn === undefined) continue;
    matches.push({
      urn,
      scopes: parseScopes(textAt(match, 'Scopes') ?? ''),
      xaddrs: parseXaddrs(textAt(match, 'XAddrs') ?? ''),
    });
  }
  if (matches.length === 0) return { ok: false, reason: 'ProbeMatches without a usable ProbeMatch' };
  return { ok: true, matches };
}

const SCOPE_PREFIX = /^onvif:\/\/www\.onvif\.org\/([^/]+)\/(.*)$/i;

/** Splits the whitespace-separated scope list and decodes the ones that name the device. */
export function parseScopes(list: string): DiscoveryScopes {
  const raw = list.split(/\s+/).filter((s) => s !== '');
  const scopes: DiscoveryScopes = { raw };
  const locations: string[] = [];
  for (const scope of raw) {
    const m = SCOPE_PREFIX.exec(scope);
    if (!m) continue;
    const kind = (m[1] as string).toLowerCase();
    const value = safeDecode(m[2] as string);
    if (value === '') continue;
    if (kind === 'name' && scopes.name === undefined) scopes.name = value;
    else if (kind === 'hardware' && scopes.hardware === undefined) scopes.hardware = value;
    else if (kind === 'location') locations.push(value);
  }
  if (locations.length > 0) scopes.location = locations.join('/');
  return scopes;
}

/** Keeps the http(s) URLs of a whitespace-separated XAddrs list; drops anything unparseable. */
export function parseXaddrs(list: string): string[] {
  const out: string[] = [];
  for (const candidate of list.split(/\s+/)) {
    if (candidate === '') continue;
    try {
      const url = new URL(candidate);
      if (url.protocol === 'http:' || url.protocol === 'https:') out.push(url.toString());
    } catch {
      // not a URL: some firmwares announce bare IPs or garbage; the IP of the reply still identifies it
    }
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
