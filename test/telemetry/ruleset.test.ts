import { beforeEach, describe, expect, it } from 'vitest';
import { Telemetry } from '../../src/telemetry/metrics.js';
import { resetRulesetStatus, rulesetCommitted } from '../../src/telemetry/ruleset.js';
import { parseExposition, sample } from './exposition.js';

const scrape = async (t: Telemetry) => parseExposition(await t.scrape());

describe('ruleset metrics', () => {
  beforeEach(() => resetRulesetStatus());

  it('say "nothing yet" before the first ruleset', async () => {
    const e = await scrape(new Telemetry({ processMetrics: false }));
    expect(sample(e, 'rawgate_ruleset_generation')).toBe(0);
    expect(sample(e, 'rawgate_ruleset_evaluator', { evaluator: 'jit' })).toBe(0);
    expect(sample(e, 'rawgate_ruleset_evaluator', { evaluator: 'interpreter' })).toBe(0);
    expect(sample(e, 'rawgate_ruleset_last_load_successful')).toBe(0);
    expect(sample(e, 'rawgate_ruleset_last_load_timestamp_seconds')).toBe(0);
    expect(sample(e, 'rawgate_ruleset_last_load_success_timestamp_seconds')).toBe(0);
    expect(sample(e, 'rawgate_ruleset_last_compile_duration_seconds')).toBe(0);
    for (const n of ['rawgate_ruleset_generation', 'rawgate_ruleset_evaluator', 'rawgate_ruleset_last_load_successful']) expect(e.types.get(n)).toBe('gauge');
  });

  it('follow commits, refusals and the evaluator in force', async () => {
    const t = new Telemetry({ processMetrics: false });
    const before = Date.now() / 1000;
    rulesetCommitted('jit', performance.now() - 250);
    let e = await scrape(t);
    expect(sample(e, 'rawgate_ruleset_generation')).toBe(1);
    expect(sample(e, 'rawgate_ruleset_evaluator', { evaluator: 'jit' })).toBe(1);
    expect(sample(e, 'rawgate_ruleset_evaluator', { evaluator: 'interpreter' })).toBe(0);
    expect(sample(e, 'rawgate_ruleset_last_compile_duration_seconds')).toBeGreaterThanOrEqual(0.25);
    expect(sample(e, 'rawgate_ruleset_last_compile_duration_seconds')).toBeLessThan(5);
    expect(sample(e, 'rawgate_ruleset_last_load_successful')).toBe(1);
    const okAt = sample(e, 'rawgate_ruleset_last_load_success_timestamp_seconds')!;
    expect(okAt).toBeGreaterThanOrEqual(before - 1);
    expect(okAt).toBeLessThanOrEqual(Date.now() / 1000 + 1);

    // The control handler reports a refused change through rulesetApplies.
    await new Promise((r) => setTimeout(r, 20));
    t.rulesetApplies.inc({ result: 'error' });
    e = await scrape(t);
    expect(sample(e, 'rawgate_ruleset_applies_total', { result: 'error' })).toBe(1);
    expect(sample(e, 'rawgate_ruleset_last_load_successful')).toBe(0);
    expect(sample(e, 'rawgate_ruleset_last_load_timestamp_seconds')).toBeGreaterThan(okAt);
    expect(sample(e, 'rawgate_ruleset_last_load_success_timestamp_seconds')).toBe(okAt);
    expect(sample(e, 'rawgate_ruleset_generation')).toBe(1); // the old ruleset stays in force

    // The JIT compiler failed on the next one: the interpreter runs it.
    rulesetCommitted('interpreter', performance.now());
    t.rulesetApplies.inc({ result: 'ok' });
    e = await scrape(t);
    expect(sample(e, 'rawgate_ruleset_generation')).toBe(2);
    expect(sample(e, 'rawgate_ruleset_evaluator', { evaluator: 'jit' })).toBe(0);
    expect(sample(e, 'rawgate_ruleset_evaluator', { evaluator: 'interpreter' })).toBe(1);
    expect(sample(e, 'rawgate_ruleset_last_load_successful')).toBe(1);
    expect(sample(e, 'rawgate_ruleset_applies_total', { result: 'ok' })).toBe(1);
  });

  it('an accepted change without a dataplane (a fake apply) still counts as a successful load', async () => {
    const t = new Telemetry({ processMetrics: false });
    t.rulesetApplies.inc({ result: 'ok' }, 0); // creating a series is not a load
    expect(sample(await scrape(t), 'rawgate_ruleset_last_load_successful')).toBe(0);
    t.rulesetApplies.inc({ result: 'ok' });
    const e = await scrape(t);
    expect(sample(e, 'rawgate_ruleset_last_load_successful')).toBe(1);
    expect(sample(e, 'rawgate_ruleset_last_load_success_timestamp_seconds')).toBeGreaterThan(0);
  });

  it('leaves out the default gauges named *_total, keeps their per-type gauges', async () => {
    const e = await scrape(new Telemetry());
    for (const n of ['handles', 'requests', 'resources']) {
      expect(e.types.has(`rawgate_nodejs_active_${n}_total`)).toBe(false);
      expect(e.types.get(`rawgate_nodejs_active_${n}`)).toBe('gauge');
    }
  });
});
