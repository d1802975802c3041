import { LOCAL_MINION, type Minion, noiseSettings, parseSuite } from '@benchrunner/core';
import { describe, expect, it } from 'vitest';
import { suiteOnMinion } from './minion-settings.ts';

const suite = (head: string) =>
  parseSuite(`${head}\nbenchmarks:\n  - {name: a, command: [a]}\n`, '/s/suite.yaml');

const minion = (extra: Partial<Extract<Minion, { kind: 'ssh' }>>): Minion => ({
  kind: 'ssh',
  name: 'm1',
  host: 'h',
  port: 22,
  user: 'u',
  privateKeyFile: '/k',
  hostKeys: [],
  workDir: '/tmp/benchrunner',
  labels: {},
  ...extra,
});

const settingsOn = (head: string, m: Minion) => {
  const resolved = suiteOnMinion(suite(head), m);
  return { cpus: resolved.spec.cpus, noise: noiseSettings(resolved.spec) };
};

describe('suiteOnMinion', () => {
  const tuned = minion({ cpus: '2-3', noise: { maxCv: 4, maxShift: 3 } });

  it("fills in what the suite leaves out with the minion's CPUs and thresholds", () => {
    expect(settingsOn('', tuned)).toEqual({
      cpus: '2-3',
      noise: { seconds: 0.5, maxCv: 4, maxShift: 3, requeue: 1 },
    });
  });

  it("keeps what the suite names itself: the suite's value, then the minion's, then the default", () => {
    expect(settingsOn('cpus: "1"\nnoise: {maxCv: 25, seconds: 1}', tuned)).toEqual({
      cpus: '1',
      noise: { seconds: 1, maxCv: 25, maxShift: 3, requeue: 1 },
    });
    expect(settingsOn('noise: false', tuned)).toEqual({ cpus: '2-3', noise: null });
  });

  it("keeps the minion's memory-loop thresholds beside a suite's shared ones, key by key", () => {
    const measured = minion({ noise: { maxCv: 4, maxShift: 3, memoryMaxCv: 17, memoryMaxShift: 50 } });
    expect(settingsOn('noise: {maxShift: 2}', measured).noise).toEqual({
      seconds: 0.5,
      maxCv: 4,
      maxShift: 2,
      memoryMaxCv: 17,
      memoryMaxShift: 50,
      requeue: 1,
    });
    expect(settingsOn('noise: {memoryMaxShift: 20}', measured).noise).toMatchObject({ memoryMaxShift: 20 });
  });

  it('changes nothing for a minion without settings, nor the suite file and its hash', () => {
    const plain = suite('noise: {maxShift: 7}');
    expect(suiteOnMinion(plain, minion({}))).toBe(plain);
    expect(suiteOnMinion(plain, LOCAL_MINION)).toBe(plain);
    const resolved = suiteOnMinion(plain, tuned);
    expect([resolved.file, resolved.fileHash, resolved.dir]).toEqual([plain.file, plain.fileHash, plain.dir]);
    expect(noiseSettings(plain.spec)).toEqual({ seconds: 0.5, maxCv: 10, maxShift: 7, requeue: 1 });
  });
});
