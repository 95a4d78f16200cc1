// conntrack's option parsing beyond the recordings: getopt's abbreviations and
// attached arguments, the word lists, and the stable error codes.
import { describe, expect, it } from 'vitest';
import { parseConntrackArgs } from '../../../src/conntrack/cli/args.js';
import { CtCliError } from '../../../src/conntrack/cli/errors.js';
import { CMD, OPT } from '../../../src/conntrack/cli/options.js';
import { IPS_ASSURED, IPS_SEEN_REPLY } from '../../../src/conntrack/cli/types.js';

const errorOf = (argv: string[]): CtCliError => {
  try {
    parseConntrackArgs(argv);
  } catch (e) {
    if (e instanceof CtCliError) return e;
    throw e;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

describe('parseConntrackArgs', () => {
  it('takes unambiguous long-option prefixes and --name=value', () => {
    const p = parseConntrackArgs(['--dum', '--proto=tcp', '--dp', '80', '--orig-s', '10.0.0.1']);
    expect(p.cmd).toBe(CMD.LIST);
    expect(p.proto).toBe(6);
    expect(p.orig).toEqual({ dport: 80, src: 0x0a000001 });
  });

  it('calls an ambiguous prefix unknown, quoting the argument', () => {
    const e = errorOf(['-L', '--re', '1.2.3.4']);
    expect([e.code, e.text, e.exit]).toEqual(['UNKNOWN_OPTION', "unknown option `--re'", 2]);
  });

  it('knows a protocol\'s options only after -p', () => {
    expect(errorOf(['-L', '--dport', '80', '-p', 'tcp']).code).toBe('UNKNOWN_OPTION');
    expect(parseConntrackArgs(['-L', '-p', '6', '--dport', '80']).orig.dport).toBe(80);
    expect(parseConntrackArgs(['-L', '-p', 'icmp', '--icmp-type', '8', '--icmp-id', '65537']).orig).toEqual({ icmpType: 8, icmpId: 1 });
  });

  it('reads ports with atoi (garbage is 0, big values wrap) as the tool does', () => {
    expect(parseConntrackArgs(['-L', '-p', 'udp', '--sport', '12abc', '--dport', '70000']).orig).toEqual({ sport: 12, dport: 4464 });
  });

  it('reads -m value/mask with strtoul base 0', () => {
    expect(parseConntrackArgs(['-L', '-m', '0x10/0xf0']).mark).toEqual({ value: 16, mask: 240 });
    expect(parseConntrackArgs(['-L', '-m', '010']).mark).toEqual({ value: 8, mask: 0xffffffff });
  });

  it('keeps the tool\'s quirk: -u after -m overwrites the userspace mark filter\'s value, not the kernel\'s', () => {
    const p = parseConntrackArgs(['-L', '-m', '7', '-u', 'ASSURED']);
    expect(p.mark).toEqual({ value: IPS_ASSURED, mask: 0xffffffff });
    expect(p.kernelMark).toEqual({ value: 7, mask: 0xffffffff });
    expect(parseConntrackArgs(['-L', '-u', 'ASSURED', '-m', '7']).mark).toEqual({ value: 7, mask: 0xffffffff });
  });

  it('reads -u as case-insensitive prefixes, with !NEGATED and UNREPLIED', () => {
    expect(parseConntrackArgs(['-L', '-u', 'ass,!seen_r']).status).toEqual({ bits: IPS_ASSURED, kernelValue: IPS_ASSURED, kernelMask: IPS_SEEN_REPLY });
    expect(parseConntrackArgs(['-L', '-u', 'UNREPLIED']).status).toEqual({ bits: 0, kernelValue: 0, kernelMask: IPS_SEEN_REPLY });
    expect(errorOf(['-L', '-u', 'ASSURED,BOGUS,X']).text).toBe("Bad parameter `BOGUS,X'");
  });

  it('turns -s with a short prefix into a network, /32 into an address', () => {
    const p = parseConntrackArgs(['-L', '-s', '10.1.0.0/16', '-d', '10.2.3.4/32']);
    expect(p.srcNet).toEqual({ addr: 0x0a010000, prefix: 16 });
    expect(p.orig).toEqual({ dst: 0x0a020304 });
    expect(p.options & OPT.MASK_SRC).toBeTruthy();
    expect(errorOf(['-G', '-p', 'tcp', '-s', '10.0.0.0/8', '-d', '1.2.3.4', '--sport', '1', '--dport', '2']).text)
      .toBe("Illegal option `--mask-src' with this command");
  });

  it('accepts inet_aton\'s short forms', () => {
    expect(parseConntrackArgs(['-L', '-s', '10.1']).orig.src).toBe(0x0a000001);
    expect(parseConntrackArgs(['-L', '-s', '0x7f.1']).orig.src).toBe(0x7f000001);
  });

  it('keeps get_optional_arg\'s quirk: an attached table name is ignored', () => {
    expect(parseConntrackArgs(['-Lexpect']).cmd).toBe(CMD.LIST);
    expect(parseConntrackArgs(['-L', 'exp']).cmd).toBe(CMD.EXP_LIST);
    expect(parseConntrackArgs(['-L', 'dying']).table).toBe('dying');
  });

  it('collects the tool\'s warnings', () => {
    expect(parseConntrackArgs(['-L', '-a', 'x', '-u', 'DST']).warnings).toEqual([
      'WARNING: ignoring -a, deprecated option.\n', 'WARNING: ignoring DST_NAT, use --dst-nat instead\n',
    ]);
  });

  it('needs both reply ports when only one is given for -G by reply tuple', () => {
    expect(errorOf(['-G', '-p', 'udp', '-r', '1.1.1.1', '-q', '2.2.2.2', '--reply-port-src', '1']).text)
      .toBe("you have to specify `--reply-src-port' and `--reply-dst-port'");
  });

  it('parses NAT filters with address and port, and refuses a bad port', () => {
    const p = parseConntrackArgs(['-L', '--dst-nat', '10.0.0.5:8080']);
    expect(p.dstNat).toEqual({ addr: 0x0a000005, port: 8080 });
    expect(errorOf(['-L', '-n', '1.2.3.4:x']).text).toBe("Invalid port `x'");
  });
});
