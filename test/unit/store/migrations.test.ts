import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, pendingMigrations, type Migration } from '../../../agent/store/migrations.js';

const steps: Migration[] = [
  { version: 1, description: 'a', sql: 'CREATE TABLE a (x INTEGER);' },
  { version: 2, description: 'b', sql: 'CREATE TABLE b (y INTEGER);' },
];

describe('migrations', () => {
  it('lists only the steps after the current version, in order', () => {
    expect(pendingMigrations(0, [steps[1]!, steps[0]!]).map((m) => m.version)).toEqual([1, 2]);
    expect(pendingMigrations(1, steps).map((m) => m.version)).toEqual([2]);
    expect(pendingMigrations(2, steps)).toEqual([]);
    expect(() => pendingMigrations(3, steps)).toThrow(/newer/);
  });

  it('applies each step once and records user_version', () => {
    const db = new Database(':memory:');
    expect(migrate(db, steps.slice(0, 1))).toBe(1);
    expect(migrate(db, steps)).toBe(2);
    expect(migrate(db, steps)).toBe(2); // idempotent
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name IN ('a', 'b')`).get()).toEqual({ n: 2 });
    db.close();
  });

  it('a failing step leaves the version and schema as they were', () => {
    const db = new Database(':memory:');
    migrate(db, steps.slice(0, 1));
    const broken: Migration = { version: 2, description: 'broken', sql: 'CREATE TABLE c (z); SELECT nope FROM nowhere;' };
    expect(() => migrate(db, [steps[0]!, broken])).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'c'`).get()).toEqual({ n: 0 });
    db.close();
  });
});
