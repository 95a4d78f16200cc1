/**
 * systemd readiness (sd_notify protocol): when the service manager started
 * rawgate with Type=notify, it passes $NOTIFY_SOCKET; the daemon says
 * READY=1 once its dataplane and control socket are up (so `systemctl start`
 * returns when iptables commands work) and STOPPING=1 when it shuts down.
 * Without $NOTIFY_SOCKET nothing is sent. A failure to notify is logged, never fatal.
 */
import type { Logger } from 'pino';
import { loadNative } from '../io/index.js';

export function notifySystemd(state: 'READY=1' | 'STOPPING=1', env: NodeJS.ProcessEnv, log: Logger, send = (p: string, m: string) => loadNative().notify(p, m)): boolean {
  const socket = env.NOTIFY_SOCKET;
  if (socket === undefined || socket === '') return false;
  try {
    send(socket, `${state}\n`);
    return true;
  } catch (e) {
    log.warn({ err: e, socket }, `could not notify systemd (${state})`);
    return false;
  }
}
