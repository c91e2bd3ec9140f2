import { describe, expect, it } from 'vitest';
import { ErrorWithReasonCode } from 'mqtt';
import { connectFailure, connectionLost, disconnectReason, failureKey, shouldFallBackToV4 } from '../../../agent/uplink/broker-errors.js';

const url = 'mqtt://broker.city:1883';

function sysError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('connectFailure', () => {
  it.each([
    [134, 5],
    [135, 5],
    [4, 4],
    [5, 4],
  ])('CONNACK %i (MQTT %i) is MQTT_AUTH', (code, version) => {
    const err = connectFailure(new ErrorWithReasonCode('Connection refused', code), url, version);
    expect(err.code).toBe('MQTT_AUTH');
    expect(err.message).toContain(url);
    expect(err.message).toMatch(/user name or password|not authorized/);
  });

  it('names the reason of other refusals and gives a specific hint for a rejected client id', () => {
    const err = connectFailure(new ErrorWithReasonCode('x', 133), url, 5);
    expect(err.code).toBe('MQTT_UNREACHABLE');
    expect(err.message).toContain('client identifier not valid (code 133)');
    expect(err.hint).toContain('mqtt.clientId');
  });

  it('maps socket errors to MQTT_UNREACHABLE with a readable cause', () => {
    const err = connectFailure(sysError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1883'), url, 5);
    expect(err.code).toBe('MQTT_UNREACHABLE');
    expect(err.message).toBe(`cannot reach broker ${url}: connection refused (is the broker running on that port?)`);
  });

  it('maps certificate errors to MQTT_TLS', () => {
    expect(connectFailure(sysError('ERR_TLS_CERT_ALTNAME_INVALID'), url, 5).code).toBe('MQTT_TLS');
    expect(connectFailure(sysError('DEPTH_ZERO_SELF_SIGNED_CERT'), url, 5).code).toBe('MQTT_TLS');
  });

  it('explains a CONNACK timeout and a silent close', () => {
    expect(connectFailure(new Error('connack timeout'), url, 5).message).toContain('sent no CONNACK');
    expect(connectFailure(undefined, url, 5).message).toContain('closed the connection');
  });

  it('gives the same key to the same failure and different keys to different ones', () => {
    const a = failureKey(connectFailure(new ErrorWithReasonCode('x', 134), url, 5));
    const b = failureKey(connectFailure(new ErrorWithReasonCode('y', 134), url, 5));
    const c = failureKey(connectFailure(sysError('ECONNREFUSED'), url, 5));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe('shouldFallBackToV4', () => {
  it('falls back only from MQTT 5 and only when the protocol version itself was refused', () => {
    expect(shouldFallBackToV4(5, new ErrorWithReasonCode('x', 1))).toBe(true);
    expect(shouldFallBackToV4(5, new ErrorWithReasonCode('x', 132))).toBe(true);
    expect(shouldFallBackToV4(4, new ErrorWithReasonCode('x', 1))).toBe(false);
    expect(shouldFallBackToV4(5, new ErrorWithReasonCode('x', 134))).toBe(false);
    expect(shouldFallBackToV4(5, sysError('ECONNREFUSED'))).toBe(false);
  });
});

describe('connectionLost', () => {
  it('says the connection was lost, and why when known', () => {
    expect(connectionLost(undefined, url).message).toBe(`connection to broker ${url} lost: the broker closed the connection`);
    expect(connectionLost(sysError('ECONNRESET'), url).message).toBe(`connection to broker ${url} lost: connection reset by the broker`);
    expect(connectionLost(undefined, url).code).toBe('MQTT_UNREACHABLE');
  });
});

describe('disconnectReason', () => {
  it('names the MQTT 5 DISCONNECT reasons a broker sends, and shows any other code as a number', () => {
    expect(disconnectReason(142)).toBe('session taken over (another client connected with the same mqtt.clientId) (142)');
    expect(disconnectReason(0)).toBe('normal disconnection (0)');
    expect(disconnectReason(200)).toBe('reason code (200)');
  });
});
