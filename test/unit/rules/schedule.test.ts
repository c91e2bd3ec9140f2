import { describe, expect, it } from 'vitest';
import { Schedule, ScheduleGate, parseHhmm } from '../../../agent/rules/schedule.js';

const VN = 'Asia/Ho_Chi_Minh'; // UTC+7, no daylight saving
/** Epoch ms of a local Vietnam time; 2026-01-05 is a Monday. */
const vn = (day: number, h: number, m = 0) => Date.UTC(2026, 0, day, h - 7, m);

describe('Schedule', () => {
  it('parses HH:MM and rejects anything else', () => {
    expect(parseHhmm('00:00')).toBe(0);
    expect(parseHhmm('22:30')).toBe(1350);
    expect(() => parseHhmm('24:00')).toThrow(RangeError);
    expect(() => parseHhmm('7:00')).toThrow(RangeError);
  });

  it('is always active without windows', () => {
    const s = new Schedule(undefined, VN);
    expect(s.always).toBe(true);
    expect(s.isActive(0)).toBe(true);
  });

  it('uses the camera local time, not UTC', () => {
    const s = new Schedule([{ days: ['mon'], from: '08:00', to: '09:00' }], VN);
    expect(s.isActive(vn(5, 8, 30))).toBe(true); // 01:30 UTC
    expect(s.isActive(Date.UTC(2026, 0, 5, 8, 30))).toBe(false); // 08:30 UTC = 15:30 local
    expect(new Schedule([{ days: ['mon'], from: '08:00', to: '09:00' }], 'UTC').isActive(Date.UTC(2026, 0, 5, 8, 30))).toBe(true);
  });

  it('runs a window past midnight into the next day, counted on the day it starts', () => {
    const s = new Schedule([{ days: ['fri'], from: '22:00', to: '05:00' }], VN);
    expect(s.isActive(vn(9, 21, 59))).toBe(false); // Fri 21:59
    expect(s.isActive(vn(9, 22, 0))).toBe(true); // Fri 22:00
    expect(s.isActive(vn(10, 4, 59))).toBe(true); // Sat 04:59
    expect(s.isActive(vn(10, 5, 0))).toBe(false); // Sat 05:00 (end exclusive)
    expect(s.isActive(vn(10, 23, 0))).toBe(false); // Sat night: not listed
    expect(s.isActive(vn(8, 2, 0))).toBe(false); // Thu 02:00 belongs to Wed night: not listed
  });

  it('wraps a Sunday-night window into Monday morning', () => {
    const s = new Schedule([{ days: ['sun'], from: '23:00', to: '01:00' }], VN);
    expect(s.isActive(vn(11, 23, 30))).toBe(true); // Sun
    expect(s.isActive(vn(12, 0, 30))).toBe(true); // Mon 00:30
    expect(s.isActive(vn(12, 1, 0))).toBe(false);
  });

  it('treats from = to as the whole day, and any of several windows', () => {
    const s = new Schedule(
      [
        { days: ['sat', 'sun'], from: '00:00', to: '00:00' },
        { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:00', to: '09:00' },
      ],
      VN,
    );
    expect(s.isActive(vn(10, 13, 0))).toBe(true); // Sat
    expect(s.isActive(vn(7, 8, 0))).toBe(true); // Wed 08:00
    expect(s.isActive(vn(7, 12, 0))).toBe(false);
  });
});

describe('ScheduleGate', () => {
  it('reports from when positions count after the rule switches on', () => {
    const gate = new ScheduleGate(new Schedule([{ days: ['mon'], from: '22:00', to: '23:00' }], VN));
    expect(gate.floorMs).toBe(-Infinity);
    expect(gate.isActive(vn(5, 21, 59))).toBe(false);
    expect(gate.isActive(vn(5, 22, 0))).toBe(true);
    expect(gate.floorMs).toBe(vn(5, 22, 0));
    expect(gate.isActive(vn(5, 22, 30))).toBe(true);
    expect(gate.floorMs).toBe(vn(5, 22, 0));
  });
});
