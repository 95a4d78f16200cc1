/*
 * Reference values for src/rules/jhash.ts from the kernel's own code:
 * jhash_1word / jhash_3words and reciprocal_scale as include/linux/jhash.h and
 * include/linux/kernel.h define them (copied below as C, not translated from
 * the TypeScript). Prints "a b c initval jhash3 jhash1(a) scale(jhash3, n)"
 * lines for test/rules/jhash-known.test.ts.
 * Build and run: cc -O2 -o /tmp/jhash-ref scripts/jhash/jhash-ref.c && /tmp/jhash-ref
 */
#include <stdint.h>
#include <stdio.h>

typedef uint32_t u32;
typedef uint64_t u64;

static inline u32 rol32(u32 word, unsigned int shift) { return (word << (shift & 31)) | (word >> ((-shift) & 31)); }

#define JHASH_INITVAL 0xdeadbeef

#define __jhash_final(a, b, c)			\
{						\
	c ^= b; c -= rol32(b, 14);		\
	a ^= c; a -= rol32(c, 11);		\
	b ^= a; b -= rol32(a, 25);		\
	c ^= b; c -= rol32(b, 16);		\
	a ^= c; a -= rol32(c, 4);		\
	b ^= a; b -= rol32(a, 14);		\
	c ^= b; c -= rol32(b, 24);		\
}

static inline u32 __jhash_nwords(u32 a, u32 b, u32 c, u32 initval)
{
	a += initval;
	b += initval;
	c += initval;
	__jhash_final(a, b, c);
	return c;
}

static inline u32 jhash_3words(u32 a, u32 b, u32 c, u32 initval)
{
	return __jhash_nwords(a, b, c, initval + JHASH_INITVAL + (3 << 2));
}

static inline u32 jhash_1word(u32 a, u32 initval)
{
	return __jhash_nwords(a, 0, 0, initval + JHASH_INITVAL + (1 << 2));
}

static inline u32 reciprocal_scale(u32 val, u32 ep_ro)
{
	return (u32)(((u64) val * ep_ro) >> 32);
}

int main(void)
{
	/* A fixed xorshift stream, so the vectors are the same on every machine. */
	u32 x = 2463534242u;
	for (int i = 0; i < 64; i++) {
		u32 v[5];
		for (int k = 0; k < 5; k++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; v[k] = x; }
		if (i == 0) { v[0] = 0; v[1] = 0; v[2] = 0; v[3] = 0; }
		if (i == 1) { v[0] = 0xffffffffu; v[1] = 0xffffffffu; v[2] = 0xffffffffu; v[3] = 0xffffffffu; }
		u32 n = (v[4] % 1000) + 1;
		u32 h3 = jhash_3words(v[0], v[1], v[2], v[3]);
		printf("%u %u %u %u %u %u %u %u\n", v[0], v[1], v[2], v[3], h3, jhash_1word(v[0], v[3]), n, reciprocal_scale(h3, n));
	}
	return 0;
}
