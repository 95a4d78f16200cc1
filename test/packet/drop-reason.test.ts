import { describe, it, expect } from 'vitest';
import { DropReason, DROP_REASON_NAMES, DROP_REASON_COUNT } from '../../src/packet/drop-reason.js';

describe('DropReason', () => {
  it('has dense codes with a snake-case label for each', () => {
    const codes = Object.values(DropReason).sort((a, b) => a - b);
    expect(codes).toEqual([...Array(codes.length).keys()]);
    expect(DROP_REASON_COUNT).toBe(codes.length);
    expect(DROP_REASON_NAMES[DropReason.IP_BAD_CHECKSUM]).toBe('ip_bad_checksum');
  });
});
