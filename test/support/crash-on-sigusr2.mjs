// Loaded into the real CLI with NODE_OPTIONS=--import by test/e2e/crash.test.ts:
// SIGUSR2 makes the process fail the way a bug would, outside any awaited code —
// a throw from a timer (uncaughtException) or a promise nobody handles
// (unhandledRejection), as CHAOSLAB_TEST_CRASH_KIND says.
process.on('SIGUSR2', () => {
  if (process.env.CHAOSLAB_TEST_CRASH_KIND === 'rejection') {
    void Promise.reject(new Error('deliberate crash for the test (unhandled rejection)'));
    return;
  }
  setImmediate(() => {
    throw new Error('deliberate crash for the test (uncaught exception)');
  });
});
