import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiEnv } from '@benchrunner/api/src/env.ts';
import { describe, expect, it } from 'vitest';
import { WorkerEnv } from '../src/env.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const names = [...Object.keys(ApiEnv.shape), ...Object.keys(WorkerEnv.shape)];

describe('configuration docs match the code', () => {
  it('names every variable of the API and the worker in the README table and in .env.example', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## The API'));
    const example = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    expect(names.length).toBeGreaterThan(30);
    expect(names.filter((n) => !table.includes(`\`${n}\``))).toEqual([]);
    expect(names.filter((n) => !new RegExp(`^#? ?${n}=`, 'm').test(example))).toEqual([]);
  });
});
