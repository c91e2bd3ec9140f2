/**
 * Fuzz of what the agent parses from cameras over ONVIF: the XML reader, every SOAP response reader and
 * WS-Discovery ProbeMatches. Seeded (test/helpers/seeded-fuzz.ts) and time-bounded. Whatever the bytes:
 * parseXml throws only XmlError, the readers only OnvifResponseError, soapFault and parseProbeMatches
 * never throw; nothing hangs; the result is no bigger than its input allows; values keep their types.
 */
import { describe, expect, it } from 'vitest';
import { parseProbeMatches } from '../../../agent/cameras/onvif/probe-message.js';
import {
  OnvifResponseError,
  parseCapabilities,
  parseDeviceInformation,
  parseMediaUri,
  parseProfiles,
  parseServiceNamespaces,
  parseSystemDateAndTime,
  soapFault,
} from '../../../agent/cameras/onvif/responses.js';
import { DEFAULT_MAX_XML_BYTES, parseXml, XmlError } from '../../../agent/cameras/onvif/xml.js';
import { fuzz, type Rng } from '../../helpers/seeded-fuzz.js';

const BUDGET_MS = 1_500;
/**
 * Time allowed for one document: 300 ms + 3 ms per KB (a 1 MB answer parses in ~70 ms on an idle box;
 * the slack absorbs a loaded CI box). A quadratic or looping parser takes minutes at that size.
 */
const maxCaseMs = (input: string): number => 300 + (input.length / 1024) * 3;

const env = (body: string, header = ''): string =>
  `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema">` +
  `${header}<s:Body>${body}</s:Body></s:Envelope>`;

const dateTime = (y: string, mo: string, d: string, h: string, mi: string, s: string): string =>
  env(
    `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:UTCDateTime><tt:Time><tt:Hour>${h}</tt:Hour><tt:Minute>${mi}</tt:Minute>` +
      `<tt:Second>${s}</tt:Second></tt:Time><tt:Date><tt:Year>${y}</tt:Year><tt:Month>${mo}</tt:Month><tt:Day>${d}</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`,
  );

const profile = (token: string, w: string, h: string, fps: string, kbps: string, enc = 'H264'): string =>
  `<trt:Profiles token="${token}" fixed="true"><tt:Name>${token}</tt:Name><tt:VideoEncoderConfiguration token="v${token}"><tt:Encoding>${enc}</tt:Encoding>` +
  `<tt:Resolution><tt:Width>${w}</tt:Width><tt:Height>${h}</tt:Height></tt:Resolution><tt:RateControl><tt:FrameRateLimit>${fps}</tt:FrameRateLimit>` +
  `<tt:BitrateLimit>${kbps}</tt:BitrateLimit></tt:RateControl></tt:VideoEncoderConfiguration></trt:Profiles>`;

/** Valid answers of every kind, the starting points of the mutations. */
const SEEDS = [
  dateTime('2026', '12', '7', '13', '5', '9'),
  env('<tds:GetDeviceInformationResponse><tds:Manufacturer>HIKVISION</tds:Manufacturer><tds:Model>DS-2CD</tds:Model><tds:FirmwareVersion>5.50</tds:FirmwareVersion><tds:SerialNumber>0012</tds:SerialNumber><tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse>'),
  env('<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Media><tt:XAddr>http://10.0.0.5/onvif/media</tt:XAddr><tt:StreamingCapabilities><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media><tt:PTZ><tt:XAddr>http://10.0.0.5/ptz</tt:XAddr></tt:PTZ></tds:Capabilities></tds:GetCapabilitiesResponse>'),
  env('<tds:GetServicesResponse><tds:Service><tds:Namespace>http://www.onvif.org/ver10/media/wsdl</tds:Namespace></tds:Service><tds:Service><tds:Namespace>http://www.onvif.org/ver20/media/wsdl</tds:Namespace></tds:Service></tds:GetServicesResponse>'),
  env(`<trt:GetProfilesResponse>${profile('main', '1920', '1080', '25', '4096')}${profile('sub', '640', '360', '15', '512', 'H.265')}</trt:GetProfilesResponse>`),
  env('<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>rtsp://10.0.0.5:554/Streaming/Channels/102?transportmode=unicast&amp;profile=Profile_2</tt:Uri></trt:MediaUri></trt:GetStreamUriResponse>'),
  env('<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>http://10.0.0.5/onvif/snapshot?x=1</tt:Uri></trt:MediaUri></trt:GetSnapshotUriResponse>'),
  env('<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">Sender not Authorized</s:Text></s:Reason></s:Fault>'),
  env(
    '<d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:1234</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types>' +
      '<d:Scopes>onvif://www.onvif.org/name/Cam%201 onvif://www.onvif.org/hardware/DS-2CD onvif://www.onvif.org/location/city/hanoi</d:Scopes>' +
      '<d:XAddrs>http://10.0.0.5/onvif/device_service http://[fe80::1]/onvif</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches>',
    '<s:Header><a:RelatesTo>urn:uuid:ours</a:RelatesTo></s:Header>',
  ),
];

/** Pieces a mutation inserts: markup that changes structure, entities, odd values. */
const PIECES = [
  '<a>', '</a>', '<tt:Width>', '</tt:Width>', '<![CDATA[x]]>', '<!--c-->', '<?pi x?>', '<!DOCTYPE x [<!ENTITY e "ee">]>',
  '&amp;', '&lt;', '&#x41;', '&#0;', '&#xD800;', '&#99999999;', '&#x;', '&toString;', '&__proto__;', '&constructor;', '&valueOf;',
  ' token="__proto__"', ' __proto__="x"', ' constructor="x"', '="x"', "'", '"', '>', '<', '/>',
  '-1', '0', '1e400', 'NaN', 'Infinity', '0x500', '1.5', '99999999999', ' 640 ', '', '\u0000', '\uFEFF',
];

/** Inputs that are not mutations of a valid answer: pure noise, extremes of size and depth. */
function wildInput(rng: Rng): string {
  switch (rng.int(6)) {
    case 0:
      return rng.bytes(rng.int(2_000));
    case 1: {
      const depth = 1 + rng.int(5_000);
      return `${'<a>'.repeat(depth)}x${rng.chance(0.5) ? '</a>'.repeat(depth) : ''}`;
    }
    case 2:
      return env(`<x>${rng.text(rng.int(20_000), '<>&;/ab')}</x>`);
    case 3:
      return env(`<x>${'<y a="1" b="2"/>'.repeat(rng.int(rng.chance(0.1) ? 60_000 : 2_000))}</x>`);
    case 4:
      return `<r>${'x'.repeat(DEFAULT_MAX_XML_BYTES + rng.int(10))}</r>`;
    default:
      return env(rng.text(rng.int(5_000), '<>/="\' abc:&#;x0123456789'));
  }
}

/** Values of the wrong type or range where a number, a date field or a URL belongs. */
const ODD_VALUES = ['-1', '0', '1e400', '1e3', 'NaN', 'Infinity', '0x500', '1.5', '99999999999', ' 640 ', '', 'abc', '13', '24', '60', '61', '275761', '&#x31;'];
const ODD_URIS = ['rtsp://10.0.0.5/a', 'rtsps://h/a', 'http://h/s.jpg', 'file:///etc/shadow', 'javascript:alert(1)', 'ftp://h/x', 'data:,x', 'rtsp://u:p@h/a', 'not a url', '//h/x'];

/** A well-formed answer whose values are drawn from the odd ones: wrong types land exactly where they matter. */
function oddValuesInput(rng: Rng): string {
  const v = (): string => rng.pick(ODD_VALUES);
  switch (rng.int(3)) {
    case 0:
      return dateTime(v(), v(), v(), v(), v(), v());
    case 1:
      return env(`<trt:GetProfilesResponse>${profile(rng.pick(['a', '', ' ', '__proto__']), v(), v(), v(), v(), rng.pick(['H264', 'H.265', '', 'MJPEG']))}</trt:GetProfilesResponse>`);
    default: {
      const name = rng.pick(['GetStreamUriResponse', 'GetSnapshotUriResponse']);
      return env(`<trt:${name}><trt:MediaUri><tt:Uri>${rng.pick(ODD_URIS)}</tt:Uri></trt:MediaUri></trt:${name}>`);
    }
  }
}

function nextInput(rng: Rng): string {
  if (rng.chance(0.2)) return oddValuesInput(rng);
  if (rng.chance(0.25)) return wildInput(rng);
  let doc = rng.pick(SEEDS);
  for (let n = 1 + rng.int(4); n > 0; n--) doc = rng.mutate(doc, PIECES);
  return doc;
}

/** Calls `read`; a throw must be `allowed`. Returns the result or undefined. */
function expectOnly<T>(allowed: new (...args: never[]) => Error, read: () => T, input: string): T | undefined {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof allowed)) throw new Error(`threw ${(err as Error)?.name}: ${(err as Error)?.message} for input ${JSON.stringify(input.slice(0, 300))}`);
    return undefined;
  }
}

/** Everything the readers return is plain data: its JSON size bounds the memory it holds. */
function jsonSize(value: unknown): number {
  return value === undefined ? 0 : JSON.stringify(value).length;
}

describe('fuzz: ONVIF and WS-Discovery answers', () => {
  it('parseXml throws only XmlError, never hangs, and builds no more than its input', () => {
    const report = fuzz(BUDGET_MS, 50_000, (rng) => {
      const input = nextInput(rng);
      const t0 = performance.now();
      const root = expectOnly(XmlError, () => parseXml(input), input);
      expect(performance.now() - t0, `slow input ${JSON.stringify(input.slice(0, 200))}`).toBeLessThan(maxCaseMs(input));
      if (root) {
        // Text and names come from the input; structure adds a bounded overhead per element.
        expect(jsonSize(root)).toBeLessThan(input.length * 12 + 200);
      }
      return input;
    });
    expect(report.iterations).toBeGreaterThan(20);
  });

  it('decodes only the five XML entities and numeric references, never object properties', () => {
    for (const name of ['toString', 'valueOf', '__proto__', 'constructor', 'hasOwnProperty'.slice(0, 10)]) {
      expect(() => parseXml(`<r>&${name};</r>`)).toThrow(XmlError);
      expect(() => parseXml(`<r a="&${name};"/>`)).toThrow(XmlError);
    }
    expect(parseXml('<r>&lt;&#x41;&#66;&apos;</r>').text).toBe("<AB'");
  });

  it('every response reader throws only OnvifResponseError and returns well-typed values', () => {
    const report = fuzz(BUDGET_MS, 30_000, (rng) => {
      const input = nextInput(rng);
      const t0 = performance.now();
      const time = expectOnly(OnvifResponseError, () => parseSystemDateAndTime(input), input);
      if (time) expect(Number.isFinite(time.getTime()), `invalid date from ${input}`).toBe(true);
      const info = expectOnly(OnvifResponseError, () => parseDeviceInformation(input), input);
      if (info) for (const v of Object.values(info)) expect(typeof v).toBe('string');
      const caps = expectOnly(OnvifResponseError, () => parseCapabilities(input), input);
      if (caps) for (const [k, v] of Object.entries(caps)) expect(typeof v, k).toBe('boolean');
      const ns = expectOnly(OnvifResponseError, () => parseServiceNamespaces(input), input);
      if (ns) for (const v of ns) expect(typeof v).toBe('string');
      for (const p of expectOnly(OnvifResponseError, () => parseProfiles(input), input) ?? []) {
        expect(typeof p.token).toBe('string');
        expect(p.token).not.toBe('');
        for (const key of ['width', 'height', 'bitrateKbps'] as const) {
          const v = p[key];
          if (v !== undefined) expect(Number.isInteger(v) && v > 0 && v <= 100_000, `${key}=${v} from ${JSON.stringify(input.slice(0, 300))}`).toBe(true);
        }
        if (p.fps !== undefined) expect(Number.isFinite(p.fps) && p.fps > 0 && p.fps <= 1_000, `fps=${p.fps}`).toBe(true);
      }
      const stream = expectOnly(OnvifResponseError, () => parseMediaUri(input, 'GetStreamUriResponse'), input);
      if (stream !== undefined) expect(new URL(stream).protocol, stream).toMatch(/^rtsps?:$/);
      const snapshot = expectOnly(OnvifResponseError, () => parseMediaUri(input, 'GetSnapshotUriResponse'), input);
      if (snapshot !== undefined) expect(new URL(snapshot).protocol, snapshot).toMatch(/^https?:$/);
      const fault = soapFault(input);
      if (fault) expect([typeof fault.code, typeof fault.reason, Array.isArray(fault.subcodes)]).toEqual(['string', 'string', true]);
      // Eight readers, each parsing the document again.
      expect(performance.now() - t0, `slow input ${JSON.stringify(input.slice(0, 200))}`).toBeLessThan(maxCaseMs(input) * 8);
      return input;
    });
    expect(report.iterations).toBeGreaterThan(20);
  });

  it('reads a clock only when every field is in range (no silent roll-over into another day)', () => {
    expect(parseSystemDateAndTime(dateTime('2026', '12', '7', '13', '5', '9')).toISOString()).toBe('2026-12-07T13:05:09.000Z');
    for (const bad of [
      dateTime('2026', '13', '7', '13', '5', '9'),
      dateTime('2026', '0', '7', '13', '5', '9'),
      dateTime('2026', '2', '31', '13', '5', '9'),
      dateTime('2026', '12', '7', '24', '5', '9'),
      dateTime('2026', '12', '7', '13', '60', '9'),
      dateTime('2026', '12', '7', '13', '5', '61'),
      dateTime('275761', '1', '1', '0', '0', '0'),
      dateTime('-5', '1', '1', '0', '0', '0'),
      dateTime('1e3', '1', '1', '0', '0', '0'),
    ]) {
      expect(() => parseSystemDateAndTime(bad), bad).toThrow(OnvifResponseError);
    }
  });

  it('parseProbeMatches never throws, and keeps only http(s) XAddrs and non-empty addresses', () => {
    const report = fuzz(BUDGET_MS, 30_000, (rng) => {
      const input = nextInput(rng);
      let result: ReturnType<typeof parseProbeMatches>;
      try {
        result = parseProbeMatches(input, rng.chance(0.5) ? 'urn:uuid:ours' : undefined);
      } catch (err) {
        throw new Error(`parseProbeMatches threw ${(err as Error).message} for ${JSON.stringify(input.slice(0, 300))}`);
      }
      if (result.ok) {
        expect(result.matches.length).toBeGreaterThan(0);
        for (const m of result.matches) {
          expect(m.urn).not.toBe('');
          for (const x of m.xaddrs) expect(new URL(x).protocol).toMatch(/^https?:$/);
        }
        expect(jsonSize(result)).toBeLessThan(input.length * 12 + 200);
      } else {
        expect(typeof result.reason).toBe('string');
      }
      return input;
    });
    expect(report.iterations).toBeGreaterThan(20);
  });
});
