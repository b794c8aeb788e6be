// Prints jest's totals as the plain closing line CI reads: "N passed, N failed, N skipped".
// Suites that fail to run (syntax error, failed import) count as failures too: jest's
// numFailedTests does not include them. With ZONEDNS_TOTALS_FILE set, the same numbers go to
// that file as JSON so .ci/run can print the line as its very last output.
const fs = require('node:fs');

class TotalsReporter {
  onRunComplete(_contexts, results) {
    const suiteErrors = results.testResults.filter((r) => r.testExecError || (r.failureMessage && r.numFailingTests === 0)).length;
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + suiteErrors;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${passed} passed, ${failed} failed, ${skipped} skipped`;
    process.stdout.write(`\n${line}\n`);
    if (process.env.ZONEDNS_TOTALS_FILE) {
      fs.writeFileSync(process.env.ZONEDNS_TOTALS_FILE, JSON.stringify({ passed, failed, skipped }));
    }
  }
}
module.exports = TotalsReporter;
