// Prints vitest's JSON results as the plain closing line CI reads: "tests: N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';
const file = process.argv[2] ?? 'test-results/vitest.json';
let results;
try {
  results = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.log('tests: 0 passed, 1 failed');
  console.error(`no test results at ${file}: ${error.message}`);
  process.exit(1);
}
const passed = results.numPassedTests ?? 0;
// A file that failed without a failing test (an import error, a failing hook) counts once;
// a file whose tests failed is already counted by its tests (numFailedTestSuites would
// count it again, and every describe block in it too).
const brokenFiles = (results.testResults ?? []).filter((file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed')).length;
const failed = (results.numFailedTests ?? 0) + brokenFiles;
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
