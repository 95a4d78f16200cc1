/**
 * PLACEHOLDER — written by the config/telemetry/control/cli helper so that
 * `rawgate run` builds and its lifecycle (config, metrics, control socket,
 * signals) can be tested before the dataplane exists. The dataplane helper
 * REPLACES this file with the real startDataplane (see src/config/seam.ts
 * for the contract). It opens no port and forwards nothing.
 */
import type { Dataplane, StartDataplane } from '../config/seam.js';
import type { Ruleset } from '../rules/model.js';

export const startDataplane: StartDataplane = async (config, deps) => {
  const log = deps.logger.child({ component: 'dataplane' });
  log.warn({ interfaces: config.interfaces.map((i) => i.name) }, 'dataplane placeholder: no ports are opened and no packet is forwarded');
  let current: Ruleset = deps.ruleset;
  let stopped = false;
  const dp: Dataplane = {
    apply(rs) {
      current = rs;
      log.info({ tables: [...current.tables.keys()] }, 'ruleset applied (placeholder)');
    },
    async stop() {
      if (!stopped) log.info('dataplane placeholder stopped');
      stopped = true;
    },
  };
  return dp;
};
