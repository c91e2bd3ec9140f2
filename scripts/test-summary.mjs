#!/usr/bin/env node
// Prints one plain closing line, "tests: N passed, N failed, N skipped", from vitest's JSON report,
// so any CI log reader sees the result without knowing vitest's format.
import { readFileSync, existsSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
if (!existsSync(file)) {
  console.log(`tests: no report at ${file} (the run stopped before vitest finished)`);
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
