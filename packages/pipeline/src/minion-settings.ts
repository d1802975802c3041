import type { Minion, Suite } from '@benchrunner/core';

/**
 * The suite as it runs on `minion`: the minion's `cpus` and noise thresholds (inventory
 * `benchrunner_cpus`, `benchrunner_noise`) fill in what the suite leaves out. A setting the suite
 * names itself wins, a minion's replaces the built-in default, and `noise: false` stays off: the
 * suite's author may know better than the machine, and the machine better than a default.
 * The suite file and its hash are unchanged (provisioning does not depend on the minion).
 */
export function suiteOnMinion(suite: Suite, minion: Minion): Suite {
  if (minion.kind !== 'ssh' || (minion.cpus === undefined && minion.noise === undefined)) return suite;
  const { spec } = suite;
  const cpus = spec.cpus ?? minion.cpus;
  const noise =
    spec.noise === false || minion.noise === undefined
      ? spec.noise
      : {
          ...minion.noise,
          ...Object.fromEntries(Object.entries(spec.noise ?? {}).filter(([, v]) => v !== undefined)),
        };
  return {
    ...suite,
    spec: { ...spec, ...(cpus === undefined ? {} : { cpus }), ...(noise === undefined ? {} : { noise }) },
  };
}
