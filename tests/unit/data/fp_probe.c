// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A program for the frame-pointer judgement's unit test (test_unwind),
 * built twice by the Makefile: with -fno-omit-frame-pointer and with
 * -fomit-frame-pointer.  Its functions are long enough that their middle
 * is past the prologue and before the epilogue, as in real code.
 */
#include <stdio.h>
#include <stdlib.h>

volatile unsigned long sink;

#define WORK(n)								\
	__attribute__((noinline)) unsigned long work_##n(unsigned long x) \
	{								\
		unsigned long a[8];					\
		for (int i = 0; i < 8; i++)				\
			a[i] = x * (i + n) + sink;			\
		for (int i = 0; i < 8; i++)				\
			sink += a[(i * 3) % 8] ^ (x >> i);		\
		return a[n % 8] + (x & 1 ? work_leaf(x >> 1) : 0);	\
	}

__attribute__((noinline)) unsigned long work_leaf(unsigned long x)
{
	for (int i = 0; i < 16; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	return x;
}

WORK(0) WORK(1) WORK(2) WORK(3) WORK(4) WORK(5) WORK(6) WORK(7)
WORK(8) WORK(9) WORK(10) WORK(11) WORK(12) WORK(13) WORK(14) WORK(15)

int main(int argc, char **argv)
{
	unsigned long x = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;

	x = work_0(x) + work_1(x) + work_2(x) + work_3(x) + work_4(x) + work_5(x) +
	    work_6(x) + work_7(x) + work_8(x) + work_9(x) + work_10(x) + work_11(x) +
	    work_12(x) + work_13(x) + work_14(x) + work_15(x);
	printf("%lu\n", x);
	return 0;
}
