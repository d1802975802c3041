import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shellExports, shellJoin, shellQuote } from './quote.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'quote-test-'));
const canary = path.join(dir, 'x');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Strings built to break a shell if they were ever interpolated unquoted. */
const NASTY = [
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `; touch ${canary}`,
  `' ; touch ${canary} ; '`,
  `"; touch ${canary}; "`,
  `\\'; touch ${canary}; echo '`,
  `a\nb\ntouch ${canary}`,
  '',
  ' ',
  "'",
  "''",
  '"',
  '\\',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
  '$HOME ${HOME} $1 $@ $* $$',
  '*',
  '~',
  '!',
  '-n',
  '--',
  '& | > < >> 2>&1',
  'tab\there',
  'unicode: ünïcødé 日本語 🚀',
  '\r\n\t\u00a0',
];

/** Runs a shell command string with /bin/sh and returns what printf saw, NUL-separated. */
function viaShell(script: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it('passes every nasty string through /bin/sh byte for byte and runs nothing', () => {
    for (const value of NASTY) {
      expect(viaShell(`printf '%s\\0' ${shellQuote(value)}`)).toEqual([value]);
    }
    expect(viaShell(`printf '%s\\0' ${shellJoin(NASTY)}`)).toEqual(NASTY);
    expect(existsSync(canary)).toBe(false);
  });

  it('passes the same strings through bash', () => {
    const out = execFileSync('/bin/bash', ['-c', `printf '%s\\0' ${shellJoin(NASTY)}`], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(NASTY);
    expect(existsSync(canary)).toBe(false);
  });

  it('refuses NUL bytes', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });

  it('quotes the empty string as an argument', () => {
    expect(shellQuote('')).toBe("''");
    expect(viaShell(`printf '%s\\0' ${shellJoin(['', 'a', ''])}`)).toEqual(['', 'a', '']);
  });
});

describe('shellExports', () => {
  it('exports values literally', () => {
    const env = { A: NASTY[0] ?? '', B_2: 'x\ny', C: "it's" };
    const out = execFileSync('/bin/sh', ['-c', `${shellExports(env)}printf '%s\\0' "$A" "$B_2" "$C"`], {
      encoding: 'utf8',
    });
    expect(out.split('\0').slice(0, -1)).toEqual([env.A, env.B_2, env.C]);
    expect(existsSync(canary)).toBe(false);
  });

  it('refuses names a shell would read as code', () => {
    expect(() => shellExports({ 'A;touch x': '1' })).toThrow(/not a valid environment variable name/);
    expect(() => shellExports({ '1A': '1' })).toThrow();
    expect(shellExports(undefined)).toBe('');
  });
});
