import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const GATES = ['pnpm lint', 'pnpm typecheck', 'pnpm build', 'pnpm test'];

/** The `&&`-joined steps of a command line, in order. */
function steps(line: string): string[] {
  return line.split('&&').map((s) => s.trim());
}

describe('CI runs the gates before the tests', () => {
  it('the quick start test command runs lint, typecheck and build, then the tests', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## How it works'));
    const block = /```sh\n([\s\S]*?)```/.exec(quick)?.[1] ?? '';
    const commands = block.trim().split('\n');
    expect(commands).toHaveLength(2);
    const test = steps(commands[1] ?? '');
    expect(test.filter((s) => GATES.includes(s))).toEqual(GATES);
  });

  it('.ci/run runs the quick start test command, each step stopping the run', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^set -euo pipefail$/m);
    const quickTest = /```sh\n[^\n]*\n([^\n]*)\n```/.exec(readme)?.[1];
    expect(quickTest).toBeDefined();
    expect(ci.split('\n')).toContain(quickTest);
  });
});
