/**
 * Extensions iptables 1.8.9 has and rawgate deliberately does not register,
 * with the reason. A recorded case that needs any other unregistered
 * extension fails (a lost registration is a regression, not a pending case).
 */
export const UNREGISTERED: Readonly<Record<string, string>> = {
  SECMARK: 'needs SELinux labels; the reference kernel refuses it too (RULE_APPEND failed)',
};

/** Throws unless `ext` is one of the deliberate exceptions. */
export function assertMayBeUnregistered(ext: string): void {
  if (UNREGISTERED[ext] === undefined) throw new Error(`extension ${ext} is not registered (src/iptables/ext); only ${Object.keys(UNREGISTERED).join(', ')} may be missing`);
}
