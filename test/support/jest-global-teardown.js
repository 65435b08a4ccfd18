'use strict';
/** jest globalTeardown: stops the embedded database pools of jest-global-setup.js and waits for them to exit. */
const { clearTimeout, setTimeout } = require('node:timers');

module.exports = async function globalTeardown() {
  const pools = globalThis.__AGENTSPAN_PGLITE_POOLS__ || [];
  delete globalThis.__AGENTSPAN_PGLITE_POOLS__;
  await Promise.all(
    pools.map(
      ({ child }) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.stdin.end();
        }),
    ),
  );
};
