import { describe, expect, it } from 'vitest';
import { register as globalRegistry } from 'prom-client';
import { DropReason, DROP_REASON_COUNT, DROP_REASON_NAMES } from '../../src/packet/drop-reason.js';
import { InterfaceCounters } from '../../src/telemetry/counters.js';
import { Telemetry } from '../../src/telemetry/metrics.js';
import { parseExposition, sample } from './exposition.js';

describe('Telemetry', () => {
  it('exposes per-interface traffic read from the arrays at scrape time', async () => {
    const t = new Telemetry({ processMetrics: false, version: '9.9.9' });
    const c = new InterfaceCounters(['lan0', 'wan0']);
    t.registerInterfaceCounters(c);
    c.rx(0, 100);
    c.rx(0, 60);
    c.tx(1, 60);
    c.rxDrop(0, DropReason.POLICY_DROP);
    c.rxDrop(0, DropReason.POLICY_DROP);
    c.txDrop(1, DropReason.NEIGHBOUR_FAILED);
    c.rxDrop(1, DropReason.POLICY_DROP);
    const e = parseExposition(await t.scrape());
    expect(sample(e, 'rawgate_interface_rx_packets_total', { interface: 'lan0' })).toBe(2);
    expect(sample(e, 'rawgate_interface_rx_bytes_total', { interface: 'lan0' })).toBe(160);
    expect(sample(e, 'rawgate_interface_tx_packets_total', { interface: 'wan0' })).toBe(1);
    expect(sample(e, 'rawgate_interface_tx_bytes_total', { interface: 'wan0' })).toBe(60);
    expect(sample(e, 'rawgate_interface_rx_packets_total', { interface: 'wan0' })).toBe(0);
    expect(sample(e, 'rawgate_interface_rx_dropped_total', { interface: 'lan0', reason: 'policy_drop' })).toBe(2);
    expect(sample(e, 'rawgate_interface_tx_dropped_total', { interface: 'wan0', reason: 'neighbour_failed' })).toBe(1);
    expect(sample(e, 'rawgate_dropped_total', { reason: 'policy_drop' })).toBe(3);
    expect(sample(e, 'rawgate_dropped_total', { reason: 'neighbour_failed' })).toBe(1);
    expect(sample(e, 'rawgate_build_info', { version: '9.9.9' })).toBe(1);
    expect(e.types.get('rawgate_interface_rx_packets_total')).toBe('counter');
    expect(e.types.get('rawgate_dropped_total')).toBe('counter');

    // Counters move between scrapes without touching prom-client.
    c.rx(0, 40);
    const e2 = parseExposition(await t.scrape());
    expect(sample(e2, 'rawgate_interface_rx_packets_total', { interface: 'lan0' })).toBe(3);
    expect(sample(e2, 'rawgate_interface_rx_bytes_total', { interface: 'lan0' })).toBe(200);
  });

  it('has every interface × reason series from the first scrape, zeros included', async () => {
    const t = new Telemetry({ processMetrics: false });
    t.registerInterfaceCounters(new InterfaceCounters(['a', 'b', 'c']));
    const e = parseExposition(await t.scrape());
    const reasons = DROP_REASON_NAMES.slice(1);
    expect(reasons).toHaveLength(DROP_REASON_COUNT - 1);
    for (const r of reasons) {
      expect(sample(e, 'rawgate_dropped_total', { reason: r })).toBe(0);
      for (const i of ['a', 'b', 'c']) {
        expect(sample(e, 'rawgate_interface_rx_dropped_total', { interface: i, reason: r })).toBe(0);
        expect(sample(e, 'rawgate_interface_tx_dropped_total', { interface: i, reason: r })).toBe(0);
      }
    }
    // 'none' is not a drop reason.
    expect(e.samples.some((s) => s.labels.reason === 'none')).toBe(false);
  });

  it('uses its own registry, not the global one, and names follow the conventions', async () => {
    const before = (await globalRegistry.metrics()).length;
    const t = new Telemetry();
    t.rulesetApplies.inc({ result: 'ok' });
    expect((await globalRegistry.metrics()).length).toBe(before);
    const e = parseExposition(await t.scrape());
    for (const [name, type] of e.types) {
      expect(name.startsWith('rawgate_')).toBe(true);
      if (type === 'counter') expect(name.endsWith('_total')).toBe(true);
      expect(e.helps.get(name)).toBeTruthy();
    }
    expect(sample(e, 'rawgate_ruleset_applies_total', { result: 'ok' })).toBe(1);
    expect(sample(e, 'rawgate_ruleset_applies_total', { result: 'error' })).toBe(0);
    expect(e.types.get('rawgate_process_cpu_user_seconds_total')).toBe('counter');
  });

  it('collected counters and gauges read their source at scrape time', async () => {
    const t = new Telemetry({ processMetrics: false });
    let n = 5;
    t.addCounter('rawgate_icmp_sent_total', 'ICMP messages sent', ['type'], (emit) => emit({ type: 'echo_reply' }, n));
    t.addGauge('rawgate_arp_entries', 'ARP entries', [], (emit) => emit({}, 7));
    let e = parseExposition(await t.scrape());
    expect(sample(e, 'rawgate_icmp_sent_total', { type: 'echo_reply' })).toBe(5);
    expect(sample(e, 'rawgate_arp_entries')).toBe(7);
    n = 9;
    e = parseExposition(await t.scrape());
    expect(sample(e, 'rawgate_icmp_sent_total', { type: 'echo_reply' })).toBe(9);
  });
});
