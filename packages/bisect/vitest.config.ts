import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The JSON report feeds the repo-wide 'N passed, N failed' line of scripts/test.sh.
    reporters: ['default', 'json'],
    outputFile: { json: '.turbo/vitest-report.json' },
  },
});
