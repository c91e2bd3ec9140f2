import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { at, child, parseXml, textAt, type XmlElement } from '../../agent/cameras/onvif/xml.js';

/**
 * An ONVIF camera on loopback, for tests: SOAP 1.2 over HTTP answering what the `onvif` package really
 * sends (GetSystemDateAndTime, GetCapabilities, GetServices, GetDeviceInformation, GetProfiles,
 * GetStreamUri, GetSnapshotUri; Media1 and optionally Media2), with responses shaped like a mainstream
 * camera's (SOAP-ENV/tds/trt/tr2/tt prefixes, fixed="true" profiles, `&amp;` in URIs). It checks
 * WS-Security UsernameToken PasswordDigest = Base64(SHA1(nonce + created + password)) against its own
 * (possibly wrong) clock, refuses replayed nonces, or requires HTTP digest (MD5, qop=auth). It can be
 * told to misbehave: wrong-password styles, clock offset, malformed or hostile XML, hanging.
 *
 * Also a WS-Discovery responder (UDP, loopback; optionally joined to the multicast group on 127.0.0.1).
 */

export const EMULATOR_USERNAME = 'admin';
/** Never printed by the code under test; tests grep outputs for it. */
export const EMULATOR_PASSWORD = 'Xq7-emulator-secret';

export interface EmulatorProfile {
  token: string;
  name: string;
  encoding: 'H264' | 'H265' | 'JPEG';
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  /** RTSP path of this profile's stream. */
  streamPath: string;
}

/** A typical two-stream camera plus a third low stream (Hikvision-like tokens and paths). */
export const DEFAULT_EMULATOR_PROFILES: EmulatorProfile[] = [
  { token: 'Profile_1', name: 'mainStream', encoding: 'H264', width: 1920, height: 1080, fps: 25, bitrateKbps: 4096, streamPath: '/Streaming/Channels/101' },
  { token: 'Profile_2', name: 'subStream', encoding: 'H264', width: 640, height: 360, fps: 15, bitrateKbps: 512, streamPath: '/Streaming/Channels/102' },
  { token: 'Profile_3', name: 'thirdStream', encoding: 'H264', width: 320, height: 180, fps: 10, bitrateKbps: 256, streamPath: '/Streaming/Channels/103' },
];

export type MalformedKind = 'truncated' | 'not-xml' | 'entity-bomb' | 'wrong-shape' | 'huge';

export interface OnvifEmulatorOptions {
  username?: string;
  password?: string;
  /** What the device demands for everything but GetSystemDateAndTime. */
  auth?: 'ws-security' | 'digest' | 'none';
  /** Firmware that faults on any UsernameToken (accepts only HTTP digest). */
  rejectWsSecurity?: boolean;
  /** How a WS-Security failure is reported: ONVIF's 400 + ter:NotAuthorized, a bare 401, or an HTML 401 page. */
  authFailure?: 'soap-fault' | 'http-401' | 'html-401';
  /** Device clock minus real clock (ms): GetSystemDateAndTime and the UsernameToken freshness check use it. */
  clockOffsetMs?: number;
  /** Advertise Media2 in GetServices and serve it (the profiles then come from Media2). */
  media2?: boolean;
  profiles?: EmulatorProfile[];
  deviceInfo?: Partial<Record<'manufacturer' | 'model' | 'firmwareVersion' | 'serialNumber' | 'hardwareId', string>>;
  /** Actions answered with broken XML, e.g. `{ GetProfiles: 'truncated' }`. */
  malformed?: Partial<Record<string, MalformedKind>>;
  /** Never answer: every request (true) or these actions. The TCP connection stays open. */
  hang?: boolean | string[];
  /** Firmware that puts user:password into the URIs it returns. */
  credentialsInUris?: boolean;
  /** Host put in returned RTSP URIs. */
  rtspHost?: string;
  rtspPort?: number;
}

/** One request as the emulator saw it. */
export interface EmulatorRequest {
  path: string;
  action: string;
  /** How it was authenticated (or failed to be). */
  auth: 'ws-security' | 'digest' | 'none' | 'rejected';
  /** GetStreamUri: the transport protocol asked for (RTSP = interleaved over TCP). */
  protocol?: string;
  profileToken?: string;
}

export interface OnvifEmulator {
  host: string;
  port: number;
  /** Device service URL, as a discovery XAddr would give it. */
  xaddr: string;
  /** host:port, as a technician would type it. */
  address: string;
  requests: EmulatorRequest[];
  /** TCP connections currently open (a client that gave up must have closed its socket). */
  openConnections(): number;
  close(): Promise<void>;
}

const NS =
  'xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:SOAP-ENC="http://www.w3.org/2003/05/soap-encoding"' +
  ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"' +
  ' xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"' +
  ' xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"' +
  ' xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tr2="http://www.onvif.org/ver20/media/wsdl"' +
  ' xmlns:ter="http://www.onvif.org/ver10/error"';

const envelope = (body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope ${NS}><SOAP-ENV:Header></SOAP-ENV:Header><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;

const fault = (subcode: string, reason: string, code = 'SOAP-ENV:Sender'): string =>
  envelope(
    `<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>${code}</SOAP-ENV:Value><SOAP-ENV:Subcode><SOAP-ENV:Value>${subcode}</SOAP-ENV:Value></SOAP-ENV:Subcode></SOAP-ENV:Code>` +
      `<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">${reason}</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>`,
  );

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Starts the emulator on a free 127.0.0.1 port. */
export async function startOnvifEmulator(options: OnvifEmulatorOptions = {}): Promise<OnvifEmulator> {
  const username = options.username ?? EMULATOR_USERNAME;
  const password = options.password ?? EMULATOR_PASSWORD;
  const auth = options.auth ?? 'ws-security';
  const profiles = options.profiles ?? DEFAULT_EMULATOR_PROFILES;
  const requests: EmulatorRequest[] = [];
  const seenNonces = new Set<string>();
  const digestNonces = new Set<string>();
  const realm = 'IP Camera(E1234)';
  let base = '';
  let rtspBase = '';

  const deviceNow = (): Date => new Date(Date.now() + (options.clockOffsetMs ?? 0));

  const checkWsSecurity = (header: XmlElement | undefined): boolean => {
    const token = at(header, 'Security', 'UsernameToken');
    if (!token) return false;
    const passwordEl = child(token, 'Password');
    const nonce = textAt(token, 'Nonce');
    const created = textAt(token, 'Created');
    if (textAt(token, 'Username') !== username || !passwordEl || !nonce || !created) return false;
    if (!(passwordEl.attrs.Type ?? '').endsWith('#PasswordDigest')) return false;
    const createdMs = Date.parse(created);
    // Cameras with replay protection (Axis, Hikvision) reject timestamps more than a few minutes off their clock.
    if (!Number.isFinite(createdMs) || Math.abs(createdMs - deviceNow().getTime()) > 300_000) return false;
    if (seenNonces.has(nonce)) return false;
    const expected = createHash('sha1')
      .update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
      .digest();
    const given = Buffer.from(passwordEl.text.trim(), 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    seenNonces.add(nonce);
    return true;
  };

  const checkDigest = (header: string | undefined, path: string): boolean => {
    if (!header?.startsWith('Digest ')) return false;
    const params: Record<string, string> = {};
    for (const m of header.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) params[m[1] as string] = m[2] ?? m[3] ?? '';
    if (params.username !== username || params.realm !== realm || !digestNonces.has(params.nonce ?? '')) return false;
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    const ha1 = md5(`${username}:${realm}:${password}`);
    const ha2 = md5(`POST:${params.uri ?? path}`);
    const expected = md5([ha1, params.nonce, params.nc, params.cnonce, params.qop, ha2].join(':'));
    return params.qop === 'auth' && params.response === expected;
  };

  const sendXml = (res: http.ServerResponse, status: number, xml: string, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8', ...headers });
    res.end(xml);
  };

  const authFailure = (res: http.ServerResponse): void => {
    if (options.authFailure === 'http-401') sendXml(res, 401, fault('ter:NotAuthorized', 'Sender not Authorized'));
    else if (options.authFailure === 'html-401') {
      res.writeHead(401, { 'Content-Type': 'text/html' });
      res.end('<!DOCTYPE html><html><head><title>Document Error: Unauthorized</title></head><body><h2>Access Error: 401 -- Unauthorized</h2></body></html>');
    } else sendXml(res, 400, fault('ter:NotAuthorized', 'Sender not Authorized'));
  };

  const digestChallenge = (res: http.ServerResponse): void => {
    const nonce = randomBytes(16).toString('hex');
    digestNonces.add(nonce);
    sendXml(res, 401, fault('ter:NotAuthorized', 'Sender not Authorized'), {
      'WWW-Authenticate': `Digest qop="auth", realm="${realm}", nonce="${nonce}", stale="FALSE"`,
    });
  };

  const uri = (url: string): string => (options.credentialsInUris ? url.replace('://', `://${username}:${password}@`) : url);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] as string;
      let env: XmlElement;
      try {
        env = parseXml(Buffer.concat(chunks).toString('utf8'));
      } catch {
        sendXml(res, 400, fault('ter:WellFormed', 'Malformed request'));
        return;
      }
      const body = child(env, 'Body');
      const actionEl = body?.children[0];
      const action = actionEl?.name ?? '';
      const record: EmulatorRequest = { path, action, auth: 'none' };
      requests.push(record);

      if (options.hang === true || (Array.isArray(options.hang) && options.hang.includes(action))) return; // never answer

      if (action !== 'GetSystemDateAndTime' && auth !== 'none') {
        const header = child(env, 'Header');
        const hasToken = at(header, 'Security', 'UsernameToken') !== undefined;
        if (options.rejectWsSecurity && hasToken) {
          record.auth = 'rejected';
          authFailure(res);
          return;
        }
        if (auth === 'digest') {
          if (!checkDigest(req.headers.authorization, req.url ?? path)) {
            record.auth = 'rejected';
            digestChallenge(res);
            return;
          }
          record.auth = 'digest';
        } else {
          if (!checkWsSecurity(header)) {
            record.auth = 'rejected';
            authFailure(res);
            return;
          }
          record.auth = 'ws-security';
        }
      }

      const kind = options.malformed?.[action];
      if (kind) {
        sendXml(res, 200, malformedResponse(kind, action));
        return;
      }

      const token = textAt(actionEl, 'ProfileToken');
      if (token !== undefined) record.profileToken = token;
      const media2Path = path === '/onvif/media2_service';
      const profile = profiles.find((p) => p.token === token);
      switch (`${media2Path ? 'm2:' : ''}${action}`) {
        case 'GetSystemDateAndTime':
          sendXml(res, 200, envelope(systemDateAndTime(deviceNow())));
          return;
        case 'GetCapabilities':
          sendXml(res, 200, envelope(capabilities(base)));
          return;
        case 'GetServices':
          sendXml(res, 200, envelope(services(base, options.media2 === true)));
          return;
        case 'GetDeviceInformation':
          sendXml(res, 200, envelope(deviceInformation(options.deviceInfo ?? {})));
          return;
        case 'GetProfiles':
          sendXml(res, 200, envelope(media1Profiles(profiles)));
          return;
        case 'm2:GetProfiles':
          if (options.media2) {
            sendXml(res, 200, envelope(media2Profiles(profiles)));
            return;
          }
          break;
        case 'GetStreamUri':
        case 'm2:GetStreamUri': {
          record.protocol = media2Path ? textAt(actionEl, 'Protocol') : textAt(actionEl, 'StreamSetup', 'Transport', 'Protocol');
          if (!profile) break;
          const streamUri = esc(uri(`${rtspBase}${profile.streamPath}?transportmode=unicast&profile=${profile.token}`));
          sendXml(
            res,
            200,
            envelope(
              media2Path
                ? `<tr2:GetStreamUriResponse><tr2:Uri>${streamUri}</tr2:Uri></tr2:GetStreamUriResponse>`
                : `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${streamUri}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT60S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`,
            ),
          );
          return;
        }
        case 'GetSnapshotUri':
        case 'm2:GetSnapshotUri': {
          if (!profile) break;
          const snap = esc(uri(`${base}/onvif/snapshot?channel=1&profile=${profile.token}`));
          sendXml(
            res,
            200,
            envelope(
              media2Path
                ? `<tr2:GetSnapshotUriResponse><tr2:Uri>${snap}</tr2:Uri></tr2:GetSnapshotUriResponse>`
                : `<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>${snap}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT60S</tt:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>`,
            ),
          );
          return;
        }
      }
      if (token !== undefined && !profile) {
        sendXml(res, 400, fault('ter:NoProfile', 'The requested profile token does not exist', 'SOAP-ENV:Sender'));
        return;
      }
      sendXml(res, 400, fault('ter:ActionNotSupported', 'Optional Action Not Implemented', 'SOAP-ENV:Receiver'));
    });
  });

  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  rtspBase = `rtsp://${options.rtspHost ?? '127.0.0.1'}:${options.rtspPort ?? 8554}`;
  return {
    host: '127.0.0.1',
    port,
    xaddr: `${base}/onvif/device_service`,
    address: `127.0.0.1:${port}`,
    requests,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging requests keep their sockets open; end them so no handle outlives the test.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function systemDateAndTime(now: Date): string {
  const t = (d: Date): string =>
    `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
    `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>`;
  const local = new Date(now.getTime() + 8 * 3_600_000);
  return (
    '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>' +
    '<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>' +
    '<tt:TimeZone><tt:TZ>CST-8:00:00</tt:TZ></tt:TimeZone>' +
    `<tt:UTCDateTime>${t(now)}</tt:UTCDateTime><tt:LocalDateTime>${t(local)}</tt:LocalDateTime>` +
    '</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>'
  );
}

function capabilities(base: string): string {
  return (
    '<tds:GetCapabilitiesResponse><tds:Capabilities>' +
    `<tt:Device><tt:XAddr>${base}/onvif/device_service</tt:XAddr>` +
    '<tt:Network><tt:IPFilter>true</tt:IPFilter><tt:ZeroConfiguration>true</tt:ZeroConfiguration><tt:IPVersion6>true</tt:IPVersion6><tt:DynDNS>true</tt:DynDNS></tt:Network>' +
    '<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery>' +
    '<tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>' +
    '<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>40</tt:Minor></tt:SupportedVersions></tt:System>' +
    '<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>false</tt:TLS1.2><tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration>' +
    '<tt:AccessPolicyConfig>false</tt:AccessPolicyConfig><tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken>' +
    '<tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken></tt:Security></tt:Device>' +
    `<tt:Events><tt:XAddr>${base}/onvif/event_service</tt:XAddr><tt:WSSubscriptionPolicySupport>true</tt:WSSubscriptionPolicySupport>` +
    '<tt:WSPullPointSupport>true</tt:WSPullPointSupport><tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>' +
    `<tt:Imaging><tt:XAddr>${base}/onvif/imaging_service</tt:XAddr></tt:Imaging>` +
    `<tt:Media><tt:XAddr>${base}/onvif/media_service</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>true</tt:RTPMulticast>` +
    '<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>' +
    '</tds:Capabilities></tds:GetCapabilitiesResponse>'
  );
}

function services(base: string, media2: boolean): string {
  const svc = (ns: string, path: string, major: number, minor: number): string =>
    `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${base}${path}</tds:XAddr>` +
    `<tds:Version><tt:Major>${major}</tt:Major><tt:Minor>${minor}</tt:Minor></tds:Version></tds:Service>`;
  return (
    '<tds:GetServicesResponse>' +
    svc('http://www.onvif.org/ver10/device/wsdl', '/onvif/device_service', 17, 12) +
    svc('http://www.onvif.org/ver10/media/wsdl', '/onvif/media_service', 17, 12) +
    (media2 ? svc('http://www.onvif.org/ver20/media/wsdl', '/onvif/media2_service', 17, 12) : '') +
    svc('http://www.onvif.org/ver10/events/wsdl', '/onvif/event_service', 17, 12) +
    svc('http://www.onvif.org/ver20/imaging/wsdl', '/onvif/imaging_service', 17, 12) +
    '</tds:GetServicesResponse>'
  );
}

function deviceInformation(info: OnvifEmulatorOptions['deviceInfo'] & object): string {
  return (
    '<tds:GetDeviceInformationResponse>' +
    `<tds:Manufacturer>${esc(info.manufacturer ?? 'ACME Vision')}</tds:Manufacturer>` +
    `<tds:Model>${esc(info.model ?? 'AV-2040-IR')}</tds:Model>` +
    // "2.40" and "0012…" are what the onvif package would turn into numbers.
    `<tds:FirmwareVersion>${esc(info.firmwareVersion ?? '2.40')}</tds:FirmwareVersion>` +
    `<tds:SerialNumber>${esc(info.serialNumber ?? '0012345678901234567')}</tds:SerialNumber>` +
    `<tds:HardwareId>${esc(info.hardwareId ?? '88')}</tds:HardwareId>` +
    '</tds:GetDeviceInformationResponse>'
  );
}

function media1Profiles(profiles: EmulatorProfile[]): string {
  return (
    '<trt:GetProfilesResponse>' +
    profiles
      .map(
        (p, i) =>
          `<trt:Profiles token="${p.token}" fixed="true"><tt:Name>${p.name}</tt:Name>` +
          '<tt:VideoSourceConfiguration token="VideoSourceToken"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>3</tt:UseCount>' +
          '<tt:SourceToken>VideoSource_1</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"></tt:Bounds></tt:VideoSourceConfiguration>' +
          `<tt:VideoEncoderConfiguration token="VideoEncoderToken_${i + 1}"><tt:Name>VideoEncoder_${i + 1}</tt:Name><tt:UseCount>1</tt:UseCount>` +
          `<tt:Encoding>${p.encoding}</tt:Encoding><tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution>` +
          `<tt:Quality>3.000000</tt:Quality><tt:RateControl><tt:FrameRateLimit>${p.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
          `<tt:BitrateLimit>${p.bitrateKbps}</tt:BitrateLimit></tt:RateControl>` +
          (p.encoding === 'H264' ? '<tt:H264><tt:GovLength>50</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264>' : '') +
          '<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>8860</tt:Port>' +
          '<tt:TTL>128</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast><tt:SessionTimeout>PT5S</tt:SessionTimeout></tt:VideoEncoderConfiguration>' +
          '</trt:Profiles>',
      )
      .join('') +
    '</trt:GetProfilesResponse>'
  );
}

function media2Profiles(profiles: EmulatorProfile[]): string {
  return (
    '<tr2:GetProfilesResponse>' +
    profiles
      .map(
        (p, i) =>
          `<tr2:Profiles token="${p.token}" fixed="true"><tr2:Name>${p.name}</tr2:Name><tr2:Configurations>` +
          '<tr2:VideoSource token="VideoSourceToken"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>3</tt:UseCount>' +
          '<tt:SourceToken>VideoSource_1</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"></tt:Bounds></tr2:VideoSource>' +
          `<tr2:VideoEncoder token="VideoEncoderToken_${i + 1}" GovLength="50" Profile="Main"><tt:Name>VideoEncoder_${i + 1}</tt:Name>` +
          `<tt:UseCount>1</tt:UseCount><tt:Encoding>${p.encoding}</tt:Encoding>` +
          `<tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution>` +
          `<tt:RateControl ConstantBitRate="false"><tt:FrameRateLimit>${p.fps}.000000</tt:FrameRateLimit><tt:BitrateLimit>${p.bitrateKbps}</tt:BitrateLimit></tt:RateControl>` +
          '<tt:Quality>3.000000</tt:Quality></tr2:VideoEncoder>' +
          '</tr2:Configurations></tr2:Profiles>',
      )
      .join('') +
    '</tr2:GetProfilesResponse>'
  );
}

function malformedResponse(kind: MalformedKind, action: string): string {
  switch (kind) {
    case 'truncated': {
      const whole = envelope(`<tds:${action}Response><tt:Something>value</tt:Something></tds:${action}Response>`);
      return whole.slice(0, Math.floor(whole.length / 2));
    }
    case 'not-xml':
      return '{"error": "this firmware speaks JSON now"} <<<>>> &&&';
    case 'entity-bomb': {
      // The classic "billion laughs": a parser that expands entities would need gigabytes.
      const levels = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
      return `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${levels}]>${envelope(`<tds:${action}Response>&lol9;</tds:${action}Response>`).replace(/^<\?xml[^>]*>\n/, '')}`;
    }
    case 'wrong-shape':
      return envelope(`<tds:SomethingElseEntirely><tt:Nothing/></tds:SomethingElseEntirely>`);
    case 'huge':
      // Well-formed but 512 KiB: a firmware dumping its log into a response.
      return envelope(`<!-- ${'x'.repeat(512 * 1024)} --><tds:${action}Response/>`);
  }
}

// ---------------------------------------------------------------------------------------------------
// WS-Discovery responder

export interface DiscoveryResponderDevice {
  urn: string;
  scopes: string[];
  xaddrs: string[];
}

export interface DiscoveryResponderOptions {
  devices: DiscoveryResponderDevice[];
  /** Raw datagrams sent to the prober before the real answers (garbage, malformed XML, foreign replies). */
  before?: string[];
  /** Also listen on 239.255.255.250:<multicastPort>, joined on 127.0.0.1. */
  multicast?: boolean;
  /** Put this in RelatesTo instead of the probe's MessageID (a reply to somebody else's probe). */
  relatesTo?: string;
}

export interface DiscoveryResponder {
  /** Unicast port on 127.0.0.1. */
  port: number;
  /** Port of the multicast listener (group 239.255.255.250), when enabled. */
  multicastPort?: number;
  /** MessageIDs of the probes received, and how they arrived. */
  probes: { messageId: string; via: 'unicast' | 'multicast' }[];
  close(): Promise<void>;
}

/** Answers WS-Discovery Probes like a camera: unicast ProbeMatches from its own address. */
export async function startDiscoveryResponder(options: DiscoveryResponderOptions): Promise<DiscoveryResponder> {
  const probes: DiscoveryResponder['probes'] = [];
  const unicast = dgram.createSocket({ type: 'udp4' });
  await new Promise<void>((resolve) => unicast.bind({ port: 0, address: '127.0.0.1' }, resolve));
  let multicast: dgram.Socket | undefined;

  const answer = (msg: Buffer, rinfo: dgram.RemoteInfo, via: 'unicast' | 'multicast'): void => {
    let messageId: string | undefined;
    try {
      const env = parseXml(msg.toString('utf8'));
      if (!at(env, 'Body', 'Probe')) return;
      messageId = textAt(env, 'Header', 'MessageID');
    } catch {
      return;
    }
    if (messageId === undefined) return;
    probes.push({ messageId, via });
    for (const raw of options.before ?? []) unicast.send(raw, rinfo.port, rinfo.address);
    for (const device of options.devices) {
      unicast.send(probeMatches(device, options.relatesTo ?? messageId), rinfo.port, rinfo.address);
    }
  };
  unicast.on('message', (msg, rinfo) => answer(msg, rinfo, 'unicast'));

  if (options.multicast) {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    multicast = socket;
    // Bound to the group address (not 0.0.0.0): receives the group's datagrams only, exposes nothing else.
    await new Promise<void>((resolve) => socket.bind({ port: 0, address: '239.255.255.250' }, resolve));
    socket.addMembership('239.255.255.250', '127.0.0.1');
    socket.on('message', (msg, rinfo) => answer(msg, rinfo, 'multicast'));
  }

  return {
    port: (unicast.address() as AddressInfo).port,
    ...(multicast ? { multicastPort: (multicast.address() as AddressInfo).port } : {}),
    probes,
    close: async () => {
      await new Promise<void>((resolve) => unicast.close(() => resolve()));
      if (multicast) {
        const m = multicast;
        await new Promise<void>((resolve) => m.close(() => resolve()));
      }
    },
  };
}

function probeMatches(device: DiscoveryResponderDevice, relatesTo: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"' +
    ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
    '<SOAP-ENV:Header>' +
    `<wsa:MessageID>urn:uuid:${randomBytes(16).toString('hex')}</wsa:MessageID>` +
    `<wsa:RelatesTo>${relatesTo}</wsa:RelatesTo>` +
    '<wsa:To SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>' +
    '<wsa:Action SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>' +
    '<d:AppSequence SOAP-ENV:mustUnderstand="true" MessageNumber="68" InstanceId="1346068227"></d:AppSequence>' +
    '</SOAP-ENV:Header><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>' +
    `<wsa:EndpointReference><wsa:Address>${device.urn}</wsa:Address></wsa:EndpointReference>` +
    '<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>' +
    `<d:Scopes>${device.scopes.map(esc).join(' ')}</d:Scopes>` +
    `<d:XAddrs>${device.xaddrs.map(esc).join(' ')}</d:XAddrs>` +
    '<d:MetadataVersion>10</d:MetadataVersion>' +
    '</d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>'
  );
}
