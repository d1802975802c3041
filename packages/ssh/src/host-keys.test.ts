import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  keyFingerprint,
  keyType,
  knownHostsFingerprints,
  knownHostsName,
  sameFingerprint,
} from './host-keys.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'host-keys-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function newKey(name: string): { line: string; blob: string; fingerprint: string } {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim();
  const printed = execFileSync('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' });
  return { line, blob: line.split(' ')[1] ?? '', fingerprint: printed.split(' ')[1] ?? '' };
}

describe('host keys', () => {
  const a = newKey('a');
  const b = newKey('b');

  it('computes the fingerprint ssh-keygen prints', () => {
    expect(a.fingerprint).toMatch(/^SHA256:/);
    expect(keyFingerprint(Buffer.from(a.blob, 'base64'))).toBe(a.fingerprint);
    expect(keyType(Buffer.from(a.blob, 'base64'))).toBe('ssh-ed25519');
    expect(sameFingerprint(`${a.fingerprint}=`, a.fingerprint)).toBe(true);
  });

  it('finds plain, bracketed, wildcard and hashed host entries', () => {
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.0.0.5]:2222').digest('base64')}`;
    const text = [
      '# comment',
      `example.org,10.0.0.1 ssh-ed25519 ${a.blob}`,
      `[example.org]:2222 ssh-ed25519 ${b.blob} note`,
      `${hashed} ssh-ed25519 ${b.blob}`,
      `*.lab,!bad.lab ssh-ed25519 ${a.blob}`,
      `@revoked old.lab ssh-ed25519 ${b.blob}`,
      `@cert-authority *.lab ssh-ed25519 ${b.blob}`,
    ].join('\n');
    expect(knownHostsFingerprints(text, 'example.org', 22).trusted).toEqual([a.fingerprint]);
    expect(knownHostsFingerprints(text, '10.0.0.1', 22).trusted).toEqual([a.fingerprint]);
    expect(knownHostsFingerprints(text, 'example.org', 2222).trusted).toEqual([b.fingerprint]);
    expect(knownHostsFingerprints(text, '10.0.0.5', 2222).trusted).toEqual([b.fingerprint]);
    expect(knownHostsFingerprints(text, '10.0.0.5', 22).trusted).toEqual([]);
    expect(knownHostsFingerprints(text, 'm1.lab', 22).trusted).toEqual([a.fingerprint]);
    expect(knownHostsFingerprints(text, 'bad.lab', 22).trusted).toEqual([]);
    expect(knownHostsFingerprints(text, 'old.lab', 22).revoked).toEqual([b.fingerprint]);
    expect(knownHostsName('h', 22)).toBe('h');
    expect(knownHostsName('h', 23)).toBe('[h]:23');
  });

  it('reads a hashed known_hosts written by ssh-keygen -H', () => {
    const file = path.join(dir, 'known_hosts');
    writeFileSync(file, `[127.0.0.1]:2022 ${a.line}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('|1|');
    expect(knownHostsFingerprints(text, '127.0.0.1', 2022).trusted).toEqual([a.fingerprint]);
  });
});
