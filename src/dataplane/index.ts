/**
 * startDataplane: the running router. Opens every configured port and the
 * host port into the one shared slab, builds interfaces, routes, the ARP
 * cache and the ICMP limiter, compiles the ruleset (JIT), and drives the
 * pipeline from each port's receive batches.
 *
 * Invariants (see src/config/seam.ts for the contract with the daemon):
 * - Start is all or nothing: when any step throws, every port opened so far
 *   is closed before the error goes up.
 * - The per-batch callbacks are made once here; nothing on the receive path
 *   allocates once warm.
 * - apply() compiles before it swaps: a ruleset that does not compile throws
 *   and the running one stays; the swap happens between batches.
 * - The JIT runtime is kept and changed a chain at a time (src/rules/jit/runtime.ts):
 *   apply() compiles only what the new ruleset changes, in slices between
 *   batches, with big decision trees built on a worker thread, so a restore of
 *   any size never stalls forwarding.
 */
import type { Logger } from 'pino';
import type { Dataplane, StartDataplane } from '../config/seam.js';
import type { RawgateConfig } from '../config/types.js';
import { openPort, openSlab } from '../io/index.js';
import type { Port, PortOptions } from '../io/index.js';
import { Interfaces, RouteTable, Neighbours, IcmpLimiter, buildRoutes } from '../net/index.js';
import { BindError } from '../rules/bind.js';
import type { CompiledRuleset } from '../rules/evaluator.js';
import { interpret } from '../rules/interpreter.js';
import { createJitRuntime, type JitRuntime } from '../rules/jit/index.js';
import { TreeWorker } from '../rules/jit/tree-offload.js';
import { runInSlices } from '../rules/steps.js';
import type { Ruleset } from '../rules/model.js';
import type { PortIO } from './deps.js';
import { DataplaneError } from './errors.js';
import { configureHostPort, moveToNamespace } from './host-port.js';
import { Pipeline } from './pipeline.js';
import { DataplaneRuleHost } from './rule-host.js';
import type { LogSink } from './rule-host.js';
import { registerDataplaneMetrics } from './metrics.js';
import { registerRuleMetrics } from '../telemetry/rule-metrics.js';
import { rulesetCommitted } from '../telemetry/ruleset.js';
import { createConntrack } from '../conntrack/index.js';
import { ConntrackRecords } from '../conntrack/records.js';
import { registerConntrackMetrics } from '../conntrack/metrics.js';
import { Nat } from '../nat/nat.js';
import { registerNatMetrics } from '../nat/metrics.js';
import { Defrag } from '../defrag/defrag.js';
import { DefragStage } from '../defrag/stage.js';
import { registerDefragMetrics } from '../defrag/metrics.js';

/** How often the ARP cache ages and retransmits, and conntrack expires entries (ms). */
const NEIGH_TICK_MS = 100;
/** Conntrack slots the expiry scan looks at per tick (entries are also expired when a lookup finds them old). */
const CT_GC_BUDGET = 8192;

/** A port as the pipeline sees it: rawgate's interface index and MAC around an io Port. */
class PortView implements PortIO {
  constructor(readonly ifIndex: number, readonly port: Port, readonly mac: Uint8Array) {}
  get l2(): boolean {
    return this.port.l2;
  }
  queueTx(slot: number, off: number, len: number): void {
    this.port.queueTx(slot, off, len);
  }
  flush(): void {
    this.port.flush();
  }
}

function parseMac(text: string): Uint8Array {
  return Uint8Array.from(text.split(':').map((h) => parseInt(h, 16)));
}

function portOptions(itf: RawgateConfig['interfaces'][number], batchTx: number): PortOptions {
  if (itf.kind === 'afpacket') return { kind: 'afpacket', name: itf.name, promisc: itf.promisc, txMax: batchTx };
  if (itf.kind === 'tap') {
    return { kind: 'tap', name: itf.name, mtu: itf.mtu, persist: itf.persistent, txMax: batchTx, ...(itf.mac ? { mac: parseMac(itf.mac) } : {}) };
  }
  return { kind: 'tun', name: itf.name, mtu: itf.mtu, persist: itf.persistent, txMax: batchTx };
}

/** Kernel LOG levels (syslog) as pino levels. */
function logSink(log: Logger): LogSink {
  return (r) => {
    const fields = { table: r.table, chain: r.chain, prefix: r.prefix, ...(r.group !== undefined ? { group: r.group } : {}) };
    if (r.level <= 3) log.error(fields, r.line);
    else if (r.level === 4) log.warn(fields, r.line);
    else if (r.level <= 6) log.info(fields, r.line);
    else log.debug(fields, r.line);
  };
}

/**
 * The rule evaluator in force: the JIT runtime, changed incrementally; the
 * interpreter (the reference) when the compiler itself fails. A rule that
 * cannot bind is refused either way and the evaluator in force stays.
 */
class Rules {
  private jit: JitRuntime<unknown> | null = null;
  private readonly trees = TreeWorker.create();

  constructor(private readonly host: DataplaneRuleHost, private readonly log: Logger) {}

  /** The evaluator for `rs` (compiled in slices); its commit() puts it in force. */
  async prepare(rs: Ruleset): Promise<{ evaluator: CompiledRuleset; commit: () => void }> {
    const t0 = performance.now();
    const jit = this.jit ?? createJitRuntime(this.host, this.trees?.build);
    try {
      const commit = await runInSlices(jit.prepare(rs));
      return { evaluator: jit, commit: () => { commit(); this.jit = jit; rulesetCommitted('jit', t0); } };
    } catch (e) {
      if (e instanceof BindError) throw new DataplaneError('RULESET_COMPILE', e.message, { cause: e });
      this.log.error({ err: e }, 'JIT compile failed; running the ruleset on the interpreter');
      try {
        const interp = interpret(rs, this.host);
        // The next change starts a fresh JIT runtime (this one may be half-way).
        return { evaluator: interp, commit: () => { this.jit = null; rulesetCommitted('interpreter', t0); } };
      } catch (e2) {
        throw new DataplaneError('RULESET_COMPILE', (e2 as Error).message, { cause: e2 });
      }
    }
  }

  async close(): Promise<void> {
    await this.trees?.close();
  }
}

export const startDataplane: StartDataplane = async (config, deps) => {
  const log = deps.logger.child({ component: 'dataplane' });
  const ports: Port[] = [];
  const closeAll = () => {
    for (const p of ports.splice(0).reverse()) p.close();
  };
  let timer: NodeJS.Timeout | null = null;
  let rules: Rules | null = null;
  try {
    const slab = openSlab({ slots: config.io.slots, slotSize: config.io.slotSize, rxBatch: config.io.batch });

    // Ports in config order; their position is rawgate's interface index. The host port comes last.
    const views: PortView[] = [];
    for (const itf of config.interfaces) {
      let port: Port;
      try {
        port = openPort(portOptions(itf, 256), slab);
      } catch (e) {
        throw new DataplaneError('PORT_OPEN', (e as Error).message, { cause: e }); // names the kind, the interface and the errno
      }
      ports.push(port);
      if (itf.netns !== null) moveToNamespace(itf.name, itf.netns);
      const mac = itf.mac && itf.kind === 'afpacket' ? parseMac(itf.mac) : port.mac;
      views.push(new PortView(views.length, port, mac));
    }
    let hostIf = -1;
    if (config.hostPort.enabled) {
      let port: Port;
      try {
        port = openPort({ kind: 'tun', name: config.hostPort.name, mtu: config.hostPort.mtu }, slab);
      } catch (e) {
        throw new DataplaneError('PORT_OPEN', `host port: ${(e as Error).message}`, { cause: e });
      }
      ports.push(port);
      configureHostPort(config.hostPort.name, config);
      hostIf = views.length;
      views.push(new PortView(hostIf, port, port.mac));
    }

    const ifList = config.interfaces.map((i) => ({ name: i.name, mtu: i.mtu, addresses: i.addresses }));
    if (hostIf >= 0) ifList.push({ name: config.hostPort.name, mtu: config.hostPort.mtu, addresses: [] });
    const ifaces = new Interfaces(ifList);
    const byName = new Map(ifList.map((i, idx) => [i.name, idx]));
    let routes: RouteTable;
    try {
      routes = buildRoutes(ifList, config.routes, byName);
    } catch (e) {
      throw new DataplaneError('ROUTE_CONFIG', (e as Error).message, { cause: e });
    }

    const clock = () => performance.now();
    const names = ifList.map((i) => i.name);
    const ruleHost = new DataplaneRuleHost(names, logSink(deps.logger.child({ component: 'netfilter' })), clock, { perSecond: config.logging.logRate, burst: config.logging.logBurst });
    let pipeline: Pipeline | null = null;
    const neigh = new Neighbours(config.arp, {
      solicit: (ifIndex, addr) => pipeline!.solicit(ifIndex, addr),
      release: (ifIndex, slot, l3Off, len, mac, macOff) => pipeline!.sendResolved(ifIndex, slot, l3Off, len, mac, macOff),
      failed: (ifIndex, slot, l3Off, len) => pipeline!.neighbourFailed(ifIndex, slot, l3Off, len),
      overflow: (ifIndex, slot) => pipeline!.dropParked(ifIndex, slot),
    }, clock);
    const icmpLimit = new IcmpLimiter(config.icmp);
    const ct = createConntrack(config.conntrack, clock);
    ruleHost.attachConntrack(ct.view);
    rules = new Rules(ruleHost, log);
    const first = await rules.prepare(deps.ruleset);
    first.commit();
    ct.rulesetChanged(deps.ruleset);
    const defrag = new Defrag(config.defrag);
    const defragStage = new DefragStage(defrag, () => ct.engine.active, clock);
    const nat = new Nat(ct.table, ifaces, clock);
    ruleHost.attachNat(nat);
    ct.engine.helpers.follow = nat;
    const stages = { defrag: defragStage, conntrack: ct.engine.lookup, nat: nat.stage, confirm: ct.engine.confirm };
    const p = new Pipeline({ slab, ports: views, ifaces, routes, neigh, icmpLimit, hostIf, nowMs: clock }, first.evaluator, stages);
    pipeline = p;
    ruleHost.pipeline = p;

    // One callback per port, made here: the receive path calls into the pipeline without allocating.
    for (const v of views) {
      const idx = v.ifIndex;
      const base = (slot: number) => slab.slotOffset(slot);
      if (v.l2) {
        v.port.onBatch((port, count) => {
          p.beginBatch();
          for (let i = 0; i < count; i++) {
            const slot = port.rxSlot(i);
            p.receiveL2(idx, slot, base(slot) + port.rxOff(i), port.rxLen(i), port.rxPktType(i));
          }
          p.endBatch();
        });
      } else {
        v.port.onBatch((port, count) => {
          p.beginBatch();
          for (let i = 0; i < count; i++) {
            const slot = port.rxSlot(i);
            p.receiveL3(idx, slot, base(slot) + port.rxOff(i), port.rxLen(i));
          }
          p.endBatch();
        });
      }
      v.port.onError((_port, err) => deps.fatal(err));
    }

    // Gratuitous ARP for every address of every Ethernet port, as the kernel does when an address comes up.
    config.interfaces.forEach((itf, idx) => {
      if (!views[idx].l2) return;
      for (const a of itf.addresses) p.announce(idx, a.addr);
    });
    p.endBatch();

    const onFragTimeout = (buf: Uint8Array, off: number, len: number, user: number) => p.reassemblyTimedOut(buf, off, len, user);
    timer = setInterval(() => {
      neigh.tick(clock());
      ct.engine.tick(CT_GC_BUDGET);
      defrag.expire(clock(), onFragTimeout);
      p.endBatch();
    }, NEIGH_TICK_MS);
    timer.unref();

    registerDataplaneMetrics(deps.telemetry, { pipeline: p, ports: views, neigh, routes, ruleHost, slab });
    registerConntrackMetrics(deps.telemetry, ct.engine);
    registerDefragMetrics(deps.telemetry, defrag);
    registerNatMetrics(deps.telemetry, nat);
    registerRuleMetrics(deps.telemetry, () => p.ruleset.ruleset, config.metrics.ruleSeries);
    log.info({ interfaces: names, hostPort: hostIf >= 0 ? config.hostPort.name : null, slots: config.io.slots }, 'dataplane started');

    let stopped = false;
    const dp: Dataplane = {
      conntrack: new ConntrackRecords(ct.engine, clock),
      async apply(rs: Ruleset) {
        const next = await rules!.prepare(rs);
        // Runs on the event loop, so between batches: the swap is atomic for packets.
        next.commit();
        ct.rulesetChanged(rs);
        p.setRuleset(next.evaluator);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        if (timer) clearInterval(timer);
        closeAll();
        await rules?.close();
        log.info('dataplane stopped');
      },
    };
    return dp;
  } catch (e) {
    if (timer) clearInterval(timer);
    closeAll();
    await rules?.close();
    throw e;
  }
};
