/**
 * Connection tracking as the dataplane builds it: the table sized as the
 * kernel sizes it, the TCP tracker, the engine (the hook stages) and the
 * view rules read. One place decides tracking on or off for a ruleset.
 */
import type { ConntrackConfig } from '../config/conntrack.js';
import type { Ruleset } from '../rules/model.js';
import { Conntrack } from './conntrack.js';
import { tableSize } from './sizing.js';
import { ConntrackTable } from './table.js';
import { TcpTracker } from './tcp.js';
import { rulesetUsesConntrack } from './usage.js';
import { ConntrackView } from './view.js';

export { Conntrack } from './conntrack.js';
export { ConntrackTable, Status, CtEvent } from './table.js';
export { ConntrackView } from './view.js';
export { InvalidReason, INVALID_REASON_NAMES } from './invalid.js';

export interface ConntrackParts {
  engine: Conntrack;
  table: ConntrackTable;
  view: ConntrackView;
  /** Turn tracking on or off for the ruleset about to be in force (call at commit). */
  rulesetChanged(rs: Ruleset): void;
}

export function createConntrack(cfg: ConntrackConfig, now: () => number): ConntrackParts {
  const size = tableSize(cfg.sysctl.nf_conntrack_max, cfg.sysctl.nf_conntrack_buckets);
  const table = new ConntrackTable(size.max, size.buckets);
  const engine = new Conntrack(table, new TcpTracker(size.max, cfg.sysctl), cfg.sysctl, now);
  const view = new ConntrackView(table, now, (s) => engine.tcp.state(s));
  return {
    engine,
    table,
    view,
    rulesetChanged(rs) {
      engine.active = cfg.tracking === 'always' || rulesetUsesConntrack(rs);
      if (cfg.flushOnRulesetChange) table.flush();
    },
  };
}
