/** src/defrag: IPv4 reassembly (nf_defrag_ipv4 / ip_defrag). Refragmentation lives in src/packet/refragment.ts. */
export { Defrag, TIMEOUT_QUOTE_MAX } from './defrag.js';
export type { DefragTimeoutFn } from './defrag.js';
export { DEFRAG_DEFAULTS, DefragResult, DEFRAG_MAX_THRESH, checkSettings } from './settings.js';
export type { DefragSettings } from './settings.js';
export { PAGE_COST, PAGE_SIZE } from './arena.js';
export { QUEUE_COST, MAX_PAYLOAD } from './table.js';
