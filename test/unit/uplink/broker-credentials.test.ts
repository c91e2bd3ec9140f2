import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCamwatchError } from '../../../agent/core/errors.js';
import { loadOrCreateOperatorLogin, readOperatorLogin } from '../../../agent/uplink/broker-credentials.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'camwatch-broker-cred-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function refusal(run: () => unknown): { message: string; hint: string } {
  try {
    run();
  } catch (err) {
    if (isCamwatchError(err, 'SECRET_UNREADABLE')) return { message: err.message, hint: err.hint };
    throw err;
  }
  throw new Error('expected SECRET_UNREADABLE');
}

describe('embedded broker credentials file', () => {
  it('is created 0600 even under a permissive umask, then read back unchanged', () => {
    const path = join(dir, 'creds.json');
    const old = process.umask(0o000);
    let first;
    try {
      first = loadOrCreateOperatorLogin(path);
    } finally {
      process.umask(old);
    }
    expect(first.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.login.username).toBe('operator');
    const again = loadOrCreateOperatorLogin(path);
    expect(again).toEqual({ login: first.login, created: false });
    expect(readOperatorLogin(path)).toEqual(first.login);
  });

  it('refuses a file other users can read or write, naming chmod 600', () => {
    const path = join(dir, 'creds.json');
    loadOrCreateOperatorLogin(path);
    for (const mode of [0o640, 0o604, 0o620]) {
      chmodSync(path, mode);
      const r = refusal(() => loadOrCreateOperatorLogin(path));
      expect(r.message).toContain(`mode 0${mode.toString(8)}`);
      expect(r.hint).toBe(`chmod 600 ${path} (owned by the agent's user), then start the agent again.`);
    }
  });

  it('refuses a symbolic link, a directory and a FIFO without blocking', () => {
    const real = join(dir, 'real.json');
    loadOrCreateOperatorLogin(real);
    const link = join(dir, 'link.json');
    symlinkSync(real, link);
    expect(refusal(() => readOperatorLogin(link)).message).toMatch(/is a symbolic link$/);
    expect(refusal(() => readOperatorLogin(dir)).message).toMatch(/is not a regular file$/);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    expect(refusal(() => readOperatorLogin(fifo)).message).toMatch(/is not a regular file$/);
  });

  it('never echoes the file in its errors (it holds a password), and says what is expected', () => {
    const path = join(dir, 'creds.json');
    writeFileSync(path, '{"username": "operator", "password": "s3cret-but-broken', { mode: 0o600 });
    const broken = refusal(() => readOperatorLogin(path));
    expect(broken.message).toMatch(/is not valid JSON \(expected \{"username": "…", "password": "…"\}\)$/);
    expect(JSON.stringify(broken)).not.toContain('s3cret');
    writeFileSync(path, JSON.stringify({ username: 'operator', password: 'short' }));
    expect(refusal(() => readOperatorLogin(path)).message).toContain('"password" must be a string of 16 to 256 characters');
    writeFileSync(path, JSON.stringify({ username: 'camwatch-agent', password: 'long-enough-password-123' }));
    expect(refusal(() => readOperatorLogin(path)).message).toContain('may not be "camwatch-agent"');
    writeFileSync(path, 'x'.repeat(5000));
    expect(refusal(() => readOperatorLogin(path)).message).toContain('more than a login');
    expect(readFileSync(path, 'utf8')).toHaveLength(5000); // left as it was for the operator to look at
  });

  it('a missing file is reported with how it comes to exist (read-only callers: tail, broker credentials)', () => {
    expect(refusal(() => readOperatorLogin(join(dir, 'none.json'))).hint).toMatch(/creates it at its first start/);
  });
});
