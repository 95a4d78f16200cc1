/** -m esp (libxt_esp.c): --espspi range; shares the SPI logic with ah.ts. */
import { spiMatch, type SpiMatch } from './ah.js';

declare module '../../rules/matches.js' {
  interface MatchTypes { esp: SpiMatch; }
}

export const espMatch = spiMatch('esp', 50);
