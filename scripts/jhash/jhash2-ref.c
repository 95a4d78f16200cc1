/*
 * Reference values for jhash2Words (src/rules/jhash.ts): the kernel's jhash2
 * as include/linux/jhash.h defines it (copied as C), over 4 words as NAT's
 * address hash uses it (find_best_ips_proto hashes a union nf_inet_addr).
 * Prints "w0 w1 w2 w3 initval jhash2" lines for test/rules/jhash2-known.test.ts.
 * Build and run: cc -O2 -o /tmp/jhash2-ref scripts/jhash/jhash2-ref.c && /tmp/jhash2-ref
 */
#include <stdint.h>
#include <stdio.h>

typedef uint32_t u32;
static inline u32 rol32(u32 word, unsigned int shift) { return (word << (shift & 31)) | (word >> ((-shift) & 31)); }
#define JHASH_INITVAL 0xdeadbeef
#define __jhash_mix(a, b, c)			\
{						\
	a -= c;  a ^= rol32(c, 4);  c += b;	\
	b -= a;  b ^= rol32(a, 6);  a += c;	\
	c -= b;  c ^= rol32(b, 8);  b += a;	\
	a -= c;  a ^= rol32(c, 16); c += b;	\
	b -= a;  b ^= rol32(a, 19); a += c;	\
	c -= b;  c ^= rol32(b, 4);  b += a;	\
}
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
static inline u32 jhash2(const u32 *k, u32 length, u32 initval)
{
	u32 a, b, c;
	a = b = c = JHASH_INITVAL + (length<<2) + initval;
	while (length > 3) {
		a += k[0]; b += k[1]; c += k[2];
		__jhash_mix(a, b, c);
		length -= 3; k += 3;
	}
	switch (length) {
	case 3: c += k[2]; /* fallthrough */
	case 2: b += k[1]; /* fallthrough */
	case 1: a += k[0];
		__jhash_final(a, b, c);
		break;
	case 0: break;
	}
	return c;
}
int main(void) {
	u32 x = 2463534242u;
	for (int i = 0; i < 40; i++) {
		u32 k[4];
		for (int j = 0; j < 4; j++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; k[j] = (i % 2) && j > 0 ? 0 : x; }
		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		u32 iv = i < 3 ? 0 : x;
		printf("%u %u %u %u %u %u\n", k[0], k[1], k[2], k[3], iv, jhash2(k, 4, iv));
	}
	return 0;
}
