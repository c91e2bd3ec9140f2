import { describe, expect, it } from 'vitest';
import { buildProbe, parseProbeMatches, parseScopes, parseXaddrs } from '../../../agent/cameras/onvif/probe-message.js';
import { parseXml, textAt } from '../../../agent/cameras/onvif/xml.js';

const ours = 'urn:uuid:11111111-2222-3333-4444-555555555555';

/** Shaped like a Hikvision ProbeMatches (namespace prefixes and all). */
function probeMatches(matches: string, relatesTo = ours): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" ' +
    'xmlns:wsadis="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">' +
    `<env:Header><wsadis:MessageID>urn:uuid:abc</wsadis:MessageID><wsadis:RelatesTo>${relatesTo}</wsadis:RelatesTo></env:Header>` +
    `<env:Body><d:ProbeMatches>${matches}</d:ProbeMatches></env:Body></env:Envelope>`
  );
}
const match = (urn: string, scopes: string, xaddrs: string): string =>
  `<d:ProbeMatch><wsadis:EndpointReference><wsadis:Address>${urn}</wsadis:Address></wsadis:EndpointReference>` +
  `<d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>${scopes}</d:Scopes><d:XAddrs>${xaddrs}</d:XAddrs></d:ProbeMatch>`;

describe('WS-Discovery messages', () => {
  it('builds a Probe for NetworkVideoTransmitter carrying the message id', () => {
    const env = parseXml(buildProbe(ours));
    expect(textAt(env, 'Header', 'MessageID')).toBe(ours);
    expect(textAt(env, 'Header', 'Action')).toMatch(/discovery\/Probe$/);
    expect(textAt(env, 'Body', 'Probe', 'Types')).toBe('dn:NetworkVideoTransmitter');
  });

  it('parses a ProbeMatch with decoded scopes and every xaddr', () => {
    const scopes =
      'onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/North%20Gate%20%232 ' +
      'onvif://www.onvif.org/hardware/DS-2CD2143G0-I onvif://www.onvif.org/location/country/kenya onvif://www.onvif.org/location/city/nairobi';
    const result = parseProbeMatches(
      probeMatches(match('urn:uuid:cam-1', scopes, 'http://10.0.0.5/onvif/device_service http://[fe80::1]/onvif/device_service')),
      ours,
    );
    expect(result).toEqual({
      ok: true,
      matches: [
        {
          urn: 'urn:uuid:cam-1',
          scopes: { name: 'North Gate #2', hardware: 'DS-2CD2143G0-I', location: 'country/kenya/city/nairobi', raw: scopes.split(' ') },
          xaddrs: ['http://10.0.0.5/onvif/device_service', 'http://[fe80::1]/onvif/device_service'],
        },
      ],
    });
  });

  it('returns every ProbeMatch of one datagram and skips ones without an address', () => {
    const result = parseProbeMatches(
      probeMatches(match('urn:uuid:a', '', 'http://10.0.0.5/x') + '<d:ProbeMatch><d:Scopes/></d:ProbeMatch>' + match('urn:uuid:b', '', '')),
      ours,
    );
    expect(result.ok && result.matches.map((m) => m.urn)).toEqual(['urn:uuid:a', 'urn:uuid:b']);
  });

  it('accepts a reply without RelatesTo but ignores a reply to another probe', () => {
    const noRelates = probeMatches(match('urn:uuid:a', '', '')).replace(/<wsadis:RelatesTo>.*<\/wsadis:RelatesTo>/, '');
    expect(parseProbeMatches(noRelates, ours).ok).toBe(true);
    const other = parseProbeMatches(probeMatches(match('urn:uuid:a', '', ''), 'urn:uuid:someone-else'), ours);
    expect(other).toEqual({ ok: false, reason: expect.stringContaining('not our probe') });
  });

  it.each([
    ['truncated XML', probeMatches(match('urn:uuid:a', '', '')).slice(0, 200)],
    ['binary garbage', '\u0000\u0001\u00ff<<<'],
    ['an entity bomb', '<!DOCTYPE x [<!ENTITY a "b">]><Envelope><Body><ProbeMatches>&a;</ProbeMatches></Body></Envelope>'],
    ['not SOAP', '<html><body>hello</body></html>'],
    ['a Probe, not a match', buildProbe('urn:uuid:x')],
    ['an empty ProbeMatches', probeMatches('')],
  ])('ignores %s with a reason instead of throwing', (_label, datagram) => {
    const result = parseProbeMatches(datagram, ours);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason.length).toBeGreaterThan(0);
  });

  it('keeps raw scopes it does not understand and survives bad percent-encoding', () => {
    expect(parseScopes('onvif://www.onvif.org/name/bad%E0%A4 http://vendor/x')).toEqual({
      name: 'bad%E0%A4',
      raw: ['onvif://www.onvif.org/name/bad%E0%A4', 'http://vendor/x'],
    });
  });

  it('drops XAddrs that are not http(s) URLs', () => {
    expect(parseXaddrs('http://10.0.0.5/a  10.0.0.6 ftp://x/ https://h:8443/onvif/device_service')).toEqual([
      'http://10.0.0.5/a',
      'https://h:8443/onvif/device_service',
    ]);
  });
});
