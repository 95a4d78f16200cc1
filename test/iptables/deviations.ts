/**
 * Where rawgate deliberately differs from iptables 1.8.9: commands iptables
 * accepts although the iptables-save output they leave cannot be read back by
 * its own iptables-restore (or reads back as a different rule). A save that
 * cannot be restored is a bug to fix, not a format to copy: rawgate refuses
 * these commands, with a message in iptables' own style.
 *
 * Every entry names a case recorded from the real iptables
 * (fixtures/expected-*.txt, scripts/iptables-fixtures/generate.sh), so the
 * recording shows what iptables did; deviations.test.ts checks both sides:
 * iptables accepted the command and (unless the entry is latent) its own
 * save | restore round trip then failed or changed the ruleset; rawgate refuses
 * the command with the message listed here, leaves the ruleset as it was, and
 * what is left round-trips.
 */
import { shellWords } from './fixture-format.js';

/** Why rawgate refuses: the iptables behaviour each family of cases records. */
export const WHY = {
  rename:
    'iptables -E does not check the new name (-N and restore do: assert_valid_chain_name). Renamed to "", a ' +
    'too long name, one with whitespace or a target\'s name, the chain saves as a ":NAME" line restore refuses, or ' +
    'the jumps to it save as "-j NAME" lines restore reads as something else (-j LOG: the LOG target); renamed to ' +
    'INPUT or POSTROUTING (user chains in raw), its "-o"/"-i" rules save as lines restore refuses by chain name. ' +
    'rawgate checks the new name of -E as -N does, and its rules as a rule command in that chain, with the same messages.',
  chainQuote:
    'a chain name with a \'"\': iptables creates it, but every "-A NAME" and "-j NAME" of the save opens a quote ' +
    'in restore (the recorded "-j a\\"b" case fails). rawgate refuses the name wherever a chain is created.',
  iface:
    'interface names are saved bare (-i, -o, --physdev-in/-out): whitespace splits the saved word, \'"\' opens ' +
    'a quote that swallows the rest of the line, and an empty --physdev-in/-out loses its argument. rawgate ' +
    'refuses such names as -i refuses an empty one.',
  bare:
    'a value saved bare (--hashlimit-name, recent --name, IDLETIMER --label, RATEEST --rateest-name, TEE --oif, ' +
    'osf --genre) with whitespace or \'"\', or empty: restore splits it, opens a quote, or takes the next option as ' +
    'its argument. rawgate refuses it in xtables\' "Bad value" words.',
  newline:
    'a value saved quoted (xtables_save_string: --comment, --helper) may hold anything but a newline: restore ' +
    'reads line by line. rawgate refuses it in libxt_LOG\'s words, as LOG already does for --log-prefix.',
  rateest:
    'a rateest match with both a bps and a pps test saves its comparison once per rate ("--rateest-lt ' +
    '--rateest-bps .. --rateest-lt --rateest-pps .."), which restore refuses ("can\'t specify lt/gt/eq twice"). ' +
    'rawgate refuses the pair.',
  fullRange:
    'ipcomp\'s full SPI range (--ipcompspi ":" or 0:4294967295, "!" or not) is saved as no --ipcompspi at all, ' +
    'which restores as the range 0:0 (the match has no default). rawgate refuses it in xtables\' "Bad value" words.',
  emptyList:
    'a list that leaves nothing to print (--dccp-types "" or ",", --weekdays "" or "8", --monthdays "", "," or "0", ' +
    'or every day inverted) is saved as the option alone, which restore cannot read. rawgate refuses it in ' +
    'xtables\' "Bad value" words.',
} as const;

export type Why = keyof typeof WHY;

export interface Deviation {
  /** The CASE line of the recorded fixture. */
  line: string;
  /** The command (index among the case's commands) rawgate refuses; the ones before it run as recorded. */
  step: number;
  /** What rawgate prints for it: the start of stderr ("PROG v1.8.9 (nf_tables): MESSAGE\n"), and the status. */
  stderr: string;
  status: number;
  why: Why;
  /**
   * The recorded case does not itself show the fault (iptables' round trip of it
   * worked, or iptables refused it otherwise): it shows with more rules, as
   * WHY says and other recorded cases show.
   */
  latent?: boolean;
}

/** The round trip every case of expected-chains/strings ends with. */
export const ROUND_TRIP = ' ; iptables-save ; iptables-save | iptables-restore ; iptables-save';

const P = 'iptables v1.8.9 (nf_tables): ';
const R = 'iptables-restore v1.8.9 (nf_tables): ';

/** One decoded word of a shell-quoted value. */
const word = (quoted: string) => shellWords(quoted)[0] ?? '';

/**
 * A family of round-trip cases: `template` with '@' replaced by each shell-quoted
 * value; the refused command is the last one before the round trip.
 */
function family(why: Why, template: string, values: readonly string[], message: (v: string) => string, prog = P): Deviation[] {
  const step = template.split(' ; ').length - 1;
  return values.map((q) => ({
    line: `@ ${template.replace('@', () => q)}${ROUND_TRIP}`, step, stderr: `${prog}${message(word(q))}\n`, status: 2, why,
  }));
}

const clash = () => 'chain name may not clash with target name';
const invalidChain = (v: string) => `Invalid chain name \`${v}'`;
const tooLong = (v: string) => `chain name \`${v}' too long (must be under 29 chars)`;
const invalidIface = (v: string) => `Invalid interface name \`${v}'`;
const bad = (ext: string, opt: string) => (v: string) => `${ext}: Bad value for "--${opt}" option: "${v}"`;
const X29 = 'x'.repeat(29);
const E15 = `$'${'\\303\\251'.repeat(15)}'`;
const BREAKERS = ["'a b'", "$'a\\tb'", "'a\"b'", "$'a\\nb'"];

export const DEVIATIONS: readonly Deviation[] = [
  // ---- chain names
  ...family('rename', 'iptables -N a ; iptables -A INPUT -j a ; iptables -E a @', ["''", 'ACCEPT', 'RETURN'], clash),
  ...family('rename', 'iptables -N a ; iptables -A INPUT -j a ; iptables -E a @', ['LOG', 'DNAT', 'standard'], clash)
    .map((d) => ({ ...d, latent: true })),
  ...family('rename', 'iptables -N a ; iptables -A INPUT -j a ; iptables -E a @',
    ["'a b'", "$'a\\tb'", "$'a\\nb'", "$'a\\rb'", "$'a\\vb'"], invalidChain),
  ...family('rename', 'iptables -N a ; iptables -A INPUT -j a ; iptables -E a @', [X29, E15], tooLong),
  ...family('rename', 'iptables -N a ; iptables -N b ; iptables -E a @', ["'a b'"], invalidChain),
  // iptables answers "No chain/target/match by that name." (exit 1): rawgate checks the new name first, as -N does.
  ...family('rename', 'iptables -E nosuch @', ["'a b'"], invalidChain).map((d) => ({ ...d, latent: true })),
  ...family('chainQuote', 'iptables -N a ; iptables -A INPUT -j a ; iptables -E a @', ["'a\"b'"], invalidChain),
  ...family('chainQuote', 'iptables -N @', ["'a\"b'"], invalidChain).map((d) => ({ ...d, latent: true })),
  {
    line: '@ iptables-restore <<< *filter\\n:a"b - [0:0]\\nCOMMIT\\n' + ROUND_TRIP,
    step: 0, stderr: `${R}${invalidChain('a"b')}\nError occurred at line: 2\n`, status: 2, why: 'chainQuote', latent: true,
  },
  {
    line: '@ iptables-restore <<< *filter\\n-N "a\\\\"b"\\nCOMMIT\\n' + ROUND_TRIP,
    step: 0, stderr: `${R}${invalidChain('a"b')}\nError occurred at line: 2\n`, status: 2, why: 'chainQuote', latent: true,
  },
  {
    // iptables refuses this input too, at the rule that jumps to the chain (line 3); rawgate at the chain line.
    line: '@ iptables-restore <<< *filter\\n:a"b - [0:0]\\n-A INPUT -j a"b\\n-A a"b -j ACCEPT\\nCOMMIT\\n' + ROUND_TRIP,
    step: 0, stderr: `${R}${invalidChain('a"b')}\nError occurred at line: 2\n`, status: 2, why: 'chainQuote', latent: true,
  },
  ...[
    ['"a b"', invalidChain('a b'), 'rename'], ['"a\\\\"b"', invalidChain('a"b'), 'chainQuote'], ['"ACCEPT"', clash(), 'rename'],
    ['"LOG"', clash(), 'rename'], [`"${X29}"`, tooLong(X29), 'rename'], ['""', clash(), 'rename'],
  ].map(([q, msg, why]) => ({
    line: `@ iptables -N a ; iptables-restore --noflush <<< *filter\\n-E a ${q}\\nCOMMIT\\n${ROUND_TRIP}`,
    step: 1, stderr: `${R}${msg}\nError occurred at line: 2\n`, status: 2, why: why as Why,
    latent: q === '"LOG"' || q === '"a\\\\"b"',
  })),
  {
    line: '@ iptables -E INPUT foo ; iptables -N foo ; iptables -E foo ACCEPT ; iptables -E foo -bar ; iptables -S',
    step: 2, stderr: `${P}${clash()}\n`, status: 2, why: 'rename',
  },
  {
    line: `@ iptables -t raw -N c1 ; iptables -t raw -A c1 -o eth0 -j ACCEPT ; iptables -t raw -E c1 INPUT${ROUND_TRIP}`,
    step: 2, stderr: `${P}Can't use -o with INPUT\n\n`, status: 2, why: 'rename',
  },
  {
    line: `@ iptables -t raw -N c1 ; iptables -t raw -A c1 -i eth0 -j ACCEPT ; iptables -t raw -E c1 POSTROUTING${ROUND_TRIP}`,
    step: 2, stderr: `${P}Can't use -i with POSTROUTING\n\n`, status: 2, why: 'rename',
  },
  // ---- rateest
  {
    line: '@ iptables -t mangle -A PREROUTING -j RATEEST --rateest-name est1 --rateest-interval 250ms --rateest-ewmalog 1s ; ' +
      `iptables -t mangle -A PREROUTING -m rateest --rateest est1 --rateest-bps --rateest-lt --rateest-pps${ROUND_TRIP}`,
    step: 1, stderr: `${P}rateest: can't specify both bps and pps\n`, status: 2, why: 'rateest',
  },
  // ---- ipcomp
  ...family('fullRange', 'iptables -t filter -A INPUT -p ipcomp -m ipcomp --ipcompspi @', [':'], bad('ipcomp', 'ipcompspi')),
  ...family('fullRange', 'iptables -t filter -A INPUT -p ipcomp -m ipcomp ! --ipcompspi @', ['0:4294967295'], bad('ipcomp', 'ipcompspi')),
  // ---- interface names
  ...['iptables -t filter -A INPUT -i @', 'iptables -t filter -A INPUT ! -i @', 'iptables -t filter -A OUTPUT -o @',
    'iptables -t filter -A FORWARD -i eth0 -o @', 'iptables -t filter -A INPUT -m physdev --physdev-in @',
    'iptables -t filter -A FORWARD -m physdev --physdev-out @',
    'iptables -t filter -A FORWARD -m physdev ! --physdev-out @ --physdev-is-bridged',
  ].flatMap((t) => family('iface', t, BREAKERS, invalidIface)),
  ...['iptables -t filter -A INPUT -m physdev --physdev-in @', 'iptables -t filter -A FORWARD -m physdev --physdev-out @',
    'iptables -t filter -A FORWARD -m physdev ! --physdev-out @ --physdev-is-bridged',
  ].flatMap((t) => family('iface', t, ["''"], () => 'Empty interface is likely to be undesired')),
  ...family('iface', 'iptables -t filter -A INPUT -i @', ["'a b+'"], invalidIface),
  { line: 'filter FORWARD -i "eth 0"', step: 0, stderr: `${P}${invalidIface('eth 0')}\n`, status: 2, why: 'iface' },
  // ---- values saved bare
  ...family('bare', 'iptables -t filter -A INPUT -m hashlimit --hashlimit-upto 1/sec --hashlimit-name @', BREAKERS,
    bad('hashlimit', 'hashlimit-name')),
  ...family('bare', 'iptables -t filter -A INPUT -m recent --set --name @', BREAKERS, bad('recent', 'name')),
  ...family('bare', 'iptables -t filter -A INPUT -m recent --rcheck --seconds 5 --name @', BREAKERS, bad('recent', 'name')),
  ...family('bare', 'iptables -t filter -A INPUT -j IDLETIMER --timeout 5 --label @', BREAKERS, bad('IDLETIMER', 'label')),
  ...family('bare', 'iptables -t mangle -A INPUT -j RATEEST --rateest-name @ --rateest-interval 1 --rateest-ewmalog 2',
    ["''", ...BREAKERS], bad('RATEEST', 'rateest-name')),
  ...family('bare', 'iptables -t mangle -A PREROUTING -j TEE --gateway 1.2.3.4 --oif @', BREAKERS, bad('TEE', 'oif')),
  ...family('bare', 'iptables -t filter -A INPUT -p tcp -m osf --genre @', ["''", ...BREAKERS], bad('osf', 'genre')),
  // ---- values saved quoted
  ...family('newline', 'iptables -t filter -A INPUT -m comment --comment @', ["$'a\\nb'"], () => 'Newlines not allowed in --comment'),
  ...family('newline', 'iptables -t filter -A INPUT -m helper --helper @', ["$'a\\nb'"], () => 'Newlines not allowed in --helper'),
  ...family('newline', 'iptables -t filter -A INPUT -m helper ! --helper @', ["$'a\\nb'"], () => 'Newlines not allowed in --helper'),
  {
    // An unclosed quote keeps the line's newline in the comment: iptables loads it and saves a broken line.
    line: '@ iptables-restore <<< *filter\\n-A INPUT -m comment --comment "unterminated\\nCOMMIT\\n',
    step: 0, stderr: `${R}Newlines not allowed in --comment\nError occurred at line: 2\n`, status: 2, why: 'newline',
  },
  // ---- lists that name nothing
  ...family('emptyList', 'iptables -t filter -A INPUT -p dccp -m dccp --dccp-types @', ["''", ','], bad('dccp', 'dccp-types')),
  // "8" sets a bit no weekday name prints; "0" and "," set only bit 0, which is no day of the month.
  ...family('emptyList', 'iptables -t filter -A INPUT -m time --weekdays @', ["''", '8'], bad('time', 'weekdays')),
  ...family('emptyList', 'iptables -t filter -A INPUT -m time --monthdays @', ["''", ',', '0'], bad('time', 'monthdays')),
  // Every day, inverted: no day left to save.
  ...family('emptyList', 'iptables -t filter -A INPUT -m time ! --weekdays @', ['Mon,Tue,Wed,Thu,Fri,Sat,Sun'], bad('time', 'weekdays')),
  ...family('emptyList', 'iptables -t filter -A INPUT -m time ! --monthdays @',
    [Array.from({ length: 31 }, (_, i) => i + 1).join(',')], bad('time', 'monthdays')),
];

export const DEVIATION_LINES: ReadonlySet<string> = new Set(DEVIATIONS.map((d) => d.line));
