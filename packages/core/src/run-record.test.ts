import { describe, expect, it } from 'vitest';
import { StepName, StepRecord } from './run-record.ts';

const record = (name: string) => ({
  name,
  status: 'ok',
  startedAt: '2026-10-01T10:00:00.000Z',
  durationMs: 12,
});

describe('StepRecord', () => {
  it('reads the names older manifests gave the last two steps as today’s names', () => {
    expect(StepRecord.parse(record('retrieve')).name).toBe('remove-output');
    expect(StepRecord.parse(record('archive')).name).toBe('finish');
  });

  it('keeps every current name and refuses an unknown one', () => {
    for (const name of StepName.options) expect(StepRecord.parse(record(name)).name).toBe(name);
    expect(StepRecord.safeParse(record('upload')).success).toBe(false);
    expect(StepRecord.safeParse(record('')).success).toBe(false);
  });
});
