import { describe, expect, it } from 'vitest';
import {
  OnvifResponseError,
  capabilitiesFromServices,
  isAuthFault,
  normaliseEncoding,
  parseCapabilities,
  parseDeviceInformation,
  parseMediaUri,
  parseProfiles,
  parseServiceNamespaces,
  parseSystemDateAndTime,
  soapFault,
} from '../../../agent/cameras/onvif/responses.js';

const env = (body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema"><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;

describe('ONVIF response readers', () => {
  it('keeps device information as exact strings', () => {
    const info = parseDeviceInformation(
      env('<tds:GetDeviceInformationResponse><tds:Manufacturer>HIKVISION</tds:Manufacturer><tds:Model>DS-2CD2143G0-I</tds:Model>' +
        '<tds:FirmwareVersion>5.50</tds:FirmwareVersion><tds:SerialNumber>00123456789012345678</tds:SerialNumber><tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse>'),
    );
    expect(info).toEqual({ manufacturer: 'HIKVISION', model: 'DS-2CD2143G0-I', firmwareVersion: '5.50', serialNumber: '00123456789012345678', hardwareId: '88' });
  });

  it('reads UTC time, and falls back to LocalDateTime', () => {
    const dt = (tag: string): string =>
      `<tt:${tag}><tt:Time><tt:Hour>13</tt:Hour><tt:Minute>5</tt:Minute><tt:Second>9</tt:Second></tt:Time><tt:Date><tt:Year>2026</tt:Year><tt:Month>2</tt:Month><tt:Day>28</tt:Day></tt:Date></tt:${tag}>`;
    const wrap = (inner: string): string => env(`<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>${inner}</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`);
    expect(parseSystemDateAndTime(wrap(dt('UTCDateTime'))).toISOString()).toBe('2026-02-28T13:05:09.000Z');
    expect(parseSystemDateAndTime(wrap(dt('LocalDateTime'))).toISOString()).toBe('2026-02-28T13:05:09.000Z');
    expect(() => parseSystemDateAndTime(wrap('<tt:DateTimeType>NTP</tt:DateTimeType>'))).toThrow(OnvifResponseError);
    expect(() => parseSystemDateAndTime(wrap(dt('UTCDateTime').replace('<tt:Hour>13', '<tt:Hour>x')))).toThrow(/Hour/);
  });

  it('reads Media1 profiles', () => {
    const profiles = parseProfiles(
      env(
        '<trt:GetProfilesResponse><trt:Profiles token="0001" fixed="true"><tt:Name>main</tt:Name><tt:VideoEncoderConfiguration token="v1">' +
          '<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution>' +
          '<tt:RateControl><tt:FrameRateLimit>25</tt:FrameRateLimit><tt:BitrateLimit>4096</tt:BitrateLimit></tt:RateControl></tt:VideoEncoderConfiguration></trt:Profiles>' +
          '<trt:Profiles token="audio"><tt:Name>audio only</tt:Name></trt:Profiles><trt:Profiles><tt:Name>no token</tt:Name></trt:Profiles></trt:GetProfilesResponse>',
      ),
    );
    expect(profiles).toEqual([
      { token: '0001', name: 'main', encoding: 'H264', width: 1920, height: 1080, fps: 25, bitrateKbps: 4096 },
      { token: 'audio', name: 'audio only' },
    ]);
  });

  it('reads Media2 profiles (Configurations/VideoEncoder)', () => {
    const [profile] = parseProfiles(
      env(
        '<tr2:GetProfilesResponse><tr2:Profiles token="P2"><tr2:Name>sub</tr2:Name><tr2:Configurations><tr2:VideoEncoder token="e" GovLength="50">' +
          '<tt:Encoding>H265</tt:Encoding><tt:Resolution><tt:Width>704</tt:Width><tt:Height>576</tt:Height></tt:Resolution>' +
          '<tt:RateControl ConstantBitRate="false"><tt:FrameRateLimit>12.500000</tt:FrameRateLimit><tt:BitrateLimit>0</tt:BitrateLimit></tt:RateControl>' +
          '</tr2:VideoEncoder></tr2:Configurations></tr2:Profiles></tr2:GetProfilesResponse>',
      ),
    );
    expect(profile).toEqual({ token: 'P2', name: 'sub', encoding: 'H265', width: 704, height: 576, fps: 12.5 });
  });

  it('normalises encoding names', () => {
    expect(['H.264', 'h264', 'AVC', 'H265', 'hevc', 'JPEG', ''].map(normaliseEncoding)).toEqual(['H264', 'H264', 'H264', 'H265', 'H265', 'JPEG', undefined]);
  });

  it('reads stream and snapshot URIs of both media versions, decoding entities', () => {
    expect(parseMediaUri(env('<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>rtsp://h/s?a=1&amp;b=2</tt:Uri></trt:MediaUri></trt:GetStreamUriResponse>'), 'GetStreamUriResponse')).toBe(
      'rtsp://h/s?a=1&b=2',
    );
    expect(parseMediaUri(env('<tr2:GetSnapshotUriResponse><tr2:Uri>http://h/snap.jpg</tr2:Uri></tr2:GetSnapshotUriResponse>'), 'GetSnapshotUriResponse')).toBe('http://h/snap.jpg');
    expect(() => parseMediaUri(env('<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>not a uri</tt:Uri></trt:MediaUri></trt:GetStreamUriResponse>'), 'GetStreamUriResponse')).toThrow(/not a URL/);
    expect(() => parseMediaUri(env('<trt:GetStreamUriResponse/>'), 'GetStreamUriResponse')).toThrow(/no Uri/);
  });

  it('reads capabilities and services', () => {
    const caps = parseCapabilities(
      env('<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Media><tt:XAddr>http://h/media</tt:XAddr><tt:StreamingCapabilities><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>' +
        '<tt:PTZ><tt:XAddr>http://h/ptz</tt:XAddr></tt:PTZ></tds:Capabilities></tds:GetCapabilitiesResponse>'),
    );
    expect(caps).toEqual({ media: true, media2: false, ptz: true, events: false, imaging: false, rtpRtspTcp: true });
    const ns = parseServiceNamespaces(
      env('<tds:GetServicesResponse><tds:Service><tds:Namespace>http://www.onvif.org/ver20/media/wsdl</tds:Namespace></tds:Service>' +
        '<tds:Service><tds:Namespace>http://www.axis.com/vapix/ws/action1</tds:Namespace></tds:Service>' +
        '<tds:Service><tds:Namespace>http://www.onvif.org/ver10/events/wsdl</tds:Namespace></tds:Service></tds:GetServicesResponse>'),
    );
    expect(ns).toEqual(['ver20/media', 'ver10/events']);
    expect(capabilitiesFromServices(ns, caps)).toEqual({ media: true, media2: true, ptz: true, events: true, imaging: false, rtpRtspTcp: true });
  });

  it('reads SOAP faults and recognises authentication ones', () => {
    const fault = (sub: string, reason: string): string =>
      env(`<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:Sender</SOAP-ENV:Value><SOAP-ENV:Subcode><SOAP-ENV:Value>${sub}</SOAP-ENV:Value></SOAP-ENV:Subcode></SOAP-ENV:Code><SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">${reason}</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>`);
    const auth = soapFault(fault('ter:NotAuthorized', 'Sender not Authorized'));
    expect(auth).toEqual({ code: 'Sender', subcodes: ['NotAuthorized'], reason: 'Sender not Authorized' });
    expect(isAuthFault(auth!)).toBe(true);
    expect(isAuthFault(soapFault(fault('ter:InvalidArgVal', 'The user is not authorized'))!)).toBe(true);
    expect(isAuthFault(soapFault(fault('ter:ActionNotSupported', 'Optional Action Not Implemented'))!)).toBe(false);
    expect(soapFault('<html>401</html>')).toBeUndefined();
    expect(soapFault(undefined)).toBeUndefined();
  });

  it('rejects malformed and non-SOAP answers as OnvifResponseError', () => {
    expect(() => parseDeviceInformation('<SOAP-ENV:Envelope><SOAP-ENV:Body>')).toThrow(/malformed XML/);
    expect(() => parseDeviceInformation('<html><body/></html>')).toThrow(/not a SOAP envelope/);
    expect(() => parseProfiles(env('<trt:SomethingElse/>'))).toThrow(OnvifResponseError);
  });
});
