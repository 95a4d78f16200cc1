/** conntrack, state, helper, connmark, mark, recent, limit: module-level parse → save / -L text (A1, A2, real iptables). */
import { expect, it } from 'vitest';
import { conntrackMatch } from '../../src/iptables/ext/conntrack.js';
import { stateMatch } from '../../src/iptables/ext/state.js';
import { helperMatch } from '../../src/iptables/ext/helper.js';
import { connmarkMatch } from '../../src/iptables/ext/connmark.js';
import { markMatch } from '../../src/iptables/ext/mark.js';
import { recentMatch } from '../../src/iptables/ext/recent.js';
import { limitMatch } from '../../src/iptables/ext/limit.js';
import { drive, refused, table, words } from './ext-harness.js';

table('conntrack', conntrackMatch, [
  ['--ctstate NEW,ESTABLISHED', ' --ctstate NEW,ESTABLISHED', ' ctstate NEW,ESTABLISHED'],
  ['--ctstate SNAT,DNAT', ' --ctstate SNAT,DNAT', ' ctstate SNAT,DNAT'],
  ['! --ctstate NEW --ctstatus ASSURED,SEEN_REPLY', ' ! --ctstate NEW --ctstatus SEEN_REPLY,ASSURED', ' ! ctstate NEW ctstatus SEEN_REPLY,ASSURED'],
  ['--ctproto tcp', ' --ctproto 6', ' ctproto 6'],
  ['--ctorigsrc 1.1.1.1', ' --ctorigsrc 1.1.1.1', ' ctorigsrc 1.1.1.1'],
  ['--ctorigsrc 1.2.3.4/255.0.255.0', ' --ctorigsrc 1.2.3.4', ' ctorigsrc 1.2.3.4'],
  ['! --ctorigdst 1.2.3.4/255.255.0.0', ' ! --ctorigdst 1.2.3.4/16', ' ! ctorigdst 1.2.3.4/16'],
  ['--ctorigsrc 1.2.3', ' --ctorigsrc 1.2.0.3', ' ctorigsrc 1.2.0.3'],
  ['--ctexpire 0:4294967295', ' --ctexpire 0:4294967295', ' ctexpire 0:4294967295'],
  ['--ctexpire :3', ' --ctexpire 0:3', ' ctexpire 0:3'],
  ['--ctstatus NONE', ' --ctstatus NONE', ' ctstatus NONE'],
  ['--ctdir REPLY --ctexpire 5:6 --ctorigsrcport 1:2 --ctproto tcp --ctorigsrc 1.2.3.0/24 --ctstate new',
    ' --ctstate NEW --ctproto 6 --ctorigsrc 1.2.3.0/24 --ctorigsrcport 1:2 --ctexpire 5:6 --ctdir REPLY',
    ' ctstate NEW ctproto 6 ctorigsrc 1.2.3.0/24 ctorigsrcport 1:2 ctexpire 5:6 ctdir REPLY'],
  ['--ctorigdstport ssh:', ' --ctorigdstport 22:65535', ' ctorigdstport 22:65535'],
]);
refused('conntrack', conntrackMatch, [
  ['--ctstate wrong', 'Bad ctstate "wrong"'],
  ['--ctexpire 42949672956', 'conntrack: bad value for option "--ctexpire" near "42949672956", or out of range (0-4294967295).'],
  ['--ctexpire -1', 'conntrack: bad value for option "--ctexpire" near "-1", or out of range (0-4294967295).'],
  ['', 'conntrack: At least one option is required'],
  ['--ctstate NEW --ctstate INVALID', 'conntrack: option "--ctstate" can only be used once.'],
  ['--ctdir foo', 'conntrack: Bad value for "--ctdir" option: "foo"'],
  ['--ctstatus foo', 'Bad ctstatus "foo"'],
]);

table('state', stateMatch, [
  ['--state ESTABLISHED,NEW,RELATED', ' --state NEW,RELATED,ESTABLISHED', ' state NEW,RELATED,ESTABLISHED'],
  ['--state UNTRACKED', ' --state UNTRACKED', ' state UNTRACKED'],
  ['! --state new,invalid', ' ! --state INVALID,NEW', ' ! state INVALID,NEW'],
]);
refused('state', stateMatch, [
  ['', 'state: option "--state" must be specified'],
  ['--state SNAT', 'Bad state "SNAT"'],
  ['--state NEW,', '"--state" requires a list of states with no spaces, e.g. ESTABLISHED,RELATED'],
]);
it('state saves as -m state (its own model name)', () => {
  expect(drive(stateMatch, ['--state', 'NEW']).data.name).toBe('state');
});

table('helper', helperMatch, [
  ['--helper ftp', ' --helper ftp', ' helper match "ftp"'],
  ['! --helper ftp', ' ! --helper ftp', ' helper match ! "ftp"'],
  ['--helper "a b"', ' --helper "a b"', ' helper match "a b"'],
]);
refused('helper', helperMatch, [['', 'helper: option "--helper" must be specified']]);

table('mark', markMatch, [
  ['--mark 0xfeedcafe/0xfeedcafe', ' --mark 0xfeedcafe/0xfeedcafe', ' mark match 0xfeedcafe/0xfeedcafe'],
  ['--mark 4294967295', ' --mark 0xffffffff', ' mark match 0xffffffff'],
  ['! --mark 1/0xff', ' ! --mark 0x1/0xff', ' mark match ! 0x1/0xff'],
]);
refused('mark', markMatch, [
  ['--mark 4294967296', 'mark: bad integer value for option "--mark", or out of range.'],
  ['--mark -1', 'mark: bad integer value for option "--mark", or out of range.'],
  ['', 'mark: option "--mark" must be specified'],
]);

table('connmark', connmarkMatch, [
  ['--mark 0xffffffff/0xffffffff', ' --mark 0xffffffff', ' connmark match  0xffffffff'],
  ['--mark 0xffffffff/0x0', ' --mark 0xffffffff/0x0', ' connmark match  0xffffffff/0x0'],
  ['! --mark 0x1/0xf', ' ! --mark 0x1/0xf', ' connmark match ! 0x1/0xf'],
]);
refused('connmark', connmarkMatch, [['--mark 0xfffffffff', 'connmark: bad integer value for option "--mark", or out of range.']]);

table('recent', recentMatch, [
  ['--set', ' --set --name DEFAULT --mask 255.255.255.255 --rsource', ' recent: SET name: DEFAULT side: source mask: 255.255.255.255'],
  ['--name ssh --rcheck --seconds 60 --hitcount 4 --rttl', ' --rcheck --seconds 60 --hitcount 4 --rttl --name ssh --mask 255.255.255.255 --rsource',
    ' recent: CHECK seconds: 60 hit_count: 4 TTL-Match name: ssh side: source mask: 255.255.255.255'],
  ['--name ssh --update --seconds 60 --reap', ' --update --seconds 60 --reap --name ssh --mask 255.255.255.255 --rsource',
    ' recent: UPDATE seconds: 60 reap name: ssh side: source mask: 255.255.255.255'],
  ['--remove --rdest', ' --remove --name DEFAULT --mask 255.255.255.255 --rdest', ' recent: REMOVE name: DEFAULT side: dest mask: 255.255.255.255'],
  ['! --rcheck --mask 255.255.255.0', ' ! --rcheck --name DEFAULT --mask 255.255.255.0 --rsource', ' ! recent: CHECK name: DEFAULT side: source mask: 255.255.255.0'],
]);
refused('recent', recentMatch, [
  ['--set --rttl', 'recent: option "--rttl" cannot be used together with "--set".'],
  ['--rcheck --set', 'recent: option "--set" cannot be used together with "--rcheck".'],
  ['--reap', "recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'"],
  ['--set --reap', 'recent: option "--reap" also requires "--seconds".'],
]);

table('limit', limitMatch, [
  ['--limit 1/sec', ' --limit 1/sec', ' limit: avg 1/sec burst 5'],
  ['--limit 5/s', ' --limit 5/sec', ' limit: avg 5/sec burst 5'],
  ['--limit 60/min', ' --limit 1/sec', ' limit: avg 1/sec burst 5'],
  ['--limit 3600/hour --limit-burst 5', ' --limit 1/sec', ' limit: avg 1/sec burst 5'],
  ['--limit 7/hour', ' --limit 7/hour', ' limit: avg 7/hour burst 5'],
  ['--limit 1000/day', ' --limit 1000/day', ' limit: avg 1000/day burst 5'],
  ['--limit 1/sec --limit-burst 1', ' --limit 1/sec --limit-burst 1', ' limit: avg 1/sec burst 1'],
  ['', ' --limit 3/hour', ' limit: avg 3/hour burst 5'],
  ['--limit-burst 0', ' --limit 3/hour', ' limit: avg 3/hour burst 5'],
]);
refused('limit', limitMatch, [
  ['--limit 5/foo', 'bad rate "5/foo"\''],
  ['--limit 0/s', 'bad rate "0/s"\''],
  ['--limit 20000/s', 'Rate too fast "20000/s"'],
  ['--limit-burst 10001', 'limit: bad value for option "--limit-burst", or out of range (0-10000).'],
]);
it('limit stores the kernel period in 1/10000 s', () => {
  expect(drive(limitMatch, words('--limit 10/minute')).data.avg).toBe(60000);
  expect(drive(limitMatch, []).data.avg).toBe(12000000);
});
