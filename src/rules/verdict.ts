/**
 * Verdicts of rule evaluation, the kernel's NF_* / XT_* values in spirit.
 * Numbers so the hot path compares small integers.
 */
export const Verdict = {
  DROP: 0,
  ACCEPT: 1,
  /** Packet was taken by a target (REJECT sent a reply and dropped, MIRROR sent it back...). */
  STOLEN: 2,
  QUEUE: 3,
  /** Non-terminating target: go on with the next rule (XT_CONTINUE). */
  CONTINUE: -1,
  /** Return to the calling chain (XT_RETURN). */
  RETURN: -2,
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];
