/** -m esp (libxt_esp.c): --espspi range; shares the SPI logic with ah.ts. */
import { spiMatch } from './ah.js';

export const espMatch = spiMatch('esp', 50);
