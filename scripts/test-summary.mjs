// Sums the vitest JSON reports of every package into one line: "Tests: N passed, N failed".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
const lines = [];
for (const group of ['apps', 'packages']) {
  for (const name of readdirSync(group)) {
    const file = path.join(group, name, '.turbo', 'vitest-report.json');
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
    lines.push(`  ${group}/${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
  }
}
process.stdout.write(`\n${lines.join('\n')}\n`);
process.stdout.write(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
