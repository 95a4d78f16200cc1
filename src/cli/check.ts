/**
 * `rawgate check --config FILE`: validate the configuration and its rules
 * file without starting anything. Exit 0 when both load, 2 otherwise.
 */
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { IptablesCommands } from '../control/handler.js';
import { iptablesRestoreAtomic } from '../control/iptables-binding.js';
import { countRules } from '../control/handler.js';
import type { CliIO } from './io.js';
import { loadRulesFile, RulesFileError } from './rules-file.js';

export async function checkConfig(configFile: string, io: CliIO, commands?: IptablesCommands): Promise<number> {
  try {
    const config = loadConfig(configFile);
    let rulesNote = 'no rules file';
    if (config.rules !== null) {
      const rs = loadRulesFile(config.rules, commands ?? { restore: iptablesRestoreAtomic });
      rulesNote = `${countRules(rs)} rules in ${config.rules}`;
    }
    io.stdout(`${config.source}: OK (${config.interfaces.length} interfaces, ${config.routes.length} routes, ${rulesNote})\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof RulesFileError) {
      io.stderr(`rawgate: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
