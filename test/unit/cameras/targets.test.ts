import { describe, expect, it } from 'vitest';
import { expandCidr, expandUnicastTargets, splitHostPort } from '../../../agent/cameras/onvif/targets.js';
import { isCamwatchError } from '../../../agent/core/errors.js';

describe('unicast targets', () => {
  it('expands a /30 to its two hosts and a /32 to itself', () => {
    expect(expandCidr('192.168.1.0/30')).toEqual(['192.168.1.1', '192.168.1.2']);
    expect(expandCidr('10.0.0.7/32')).toEqual(['10.0.0.7']);
    expect(expandCidr('10.0.0.6/31')).toEqual(['10.0.0.6', '10.0.0.7']);
  });

  it('normalises a block given with host bits set', () => {
    expect(expandCidr('192.168.1.77/29')).toEqual(['192.168.1.73', '192.168.1.74', '192.168.1.75', '192.168.1.76', '192.168.1.77', '192.168.1.78']);
  });

  it('expands a /24 to 254 hosts and a /22 to 1022', () => {
    const hosts = expandCidr('10.1.2.0/24');
    expect(hosts).toHaveLength(254);
    expect(hosts[0]).toBe('10.1.2.1');
    expect(hosts.at(-1)).toBe('10.1.2.254');
    expect(expandCidr('10.1.0.0/22')).toHaveLength(1022);
  });

  it('mixes lists, blocks and host:port, removing duplicates in order', () => {
    expect(expandUnicastTargets(['10.0.0.9,cam.local', '10.0.0.8/31, 10.0.0.9', '127.0.0.1:3703'])).toEqual([
      '10.0.0.9',
      'cam.local',
      '10.0.0.8',
      '127.0.0.1:3703',
    ]);
  });

  it('refuses blocks larger than the bound and malformed blocks', () => {
    for (const bad of ['10.0.0.0/16', '10.0.0.0/33', '10.0.0/24', 'host/24', '10.0.0.0/']) {
      try {
        expandUnicastTargets(bad);
        expect.unreachable(bad);
      } catch (err) {
        expect(isCamwatchError(err, 'SOURCE_INVALID')).toBe(true);
      }
    }
    expect(() => expandUnicastTargets('10.0.0.0/24,10.0.1.0/24,10.0.2.0/24,10.0.3.0/24,10.0.4.0/24', 1024)).toThrow(/more than 1024/);
  });

  it('splits host and port', () => {
    expect(splitHostPort('10.0.0.5', 3702)).toEqual({ host: '10.0.0.5', port: 3702 });
    expect(splitHostPort('10.0.0.5:9000', 3702)).toEqual({ host: '10.0.0.5', port: 9000 });
    expect(splitHostPort('[fe80::1]:9000', 3702)).toEqual({ host: 'fe80::1', port: 9000 });
    expect(splitHostPort('fe80::1', 3702)).toEqual({ host: 'fe80::1', port: 3702 });
  });
});
