// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A library linked by GNU gold (the Makefile builds it so), which puts
 * .eh_frame_hdr after .eh_frame as Debian's clang and libLLVM have it:
 * test_unwind unwinds through gold_last, whose FDE is the last of 2,000,
 * and checks that the unwinder does not read and keep the ones before it.
 */
typedef void (*gold_cb)(void *arg);

volatile unsigned long gold_sink;

__attribute__((noinline)) void gold_first(gold_cb cb, void *arg)
{
	cb(arg);
	gold_sink++;	/* not a tail call: this frame stays on the stack */
}

#define F(n) __attribute__((noinline)) unsigned long gold_f##n(unsigned long x) \
	{ return x * (n + 1) + gold_sink; }
#define F10(n) F(n##0) F(n##1) F(n##2) F(n##3) F(n##4) F(n##5) F(n##6) F(n##7) F(n##8) F(n##9)
#define F100(n) F10(n##0) F10(n##1) F10(n##2) F10(n##3) F10(n##4) \
	F10(n##5) F10(n##6) F10(n##7) F10(n##8) F10(n##9)
F100(1) F100(2) F100(3) F100(4) F100(5) F100(6) F100(7) F100(8) F100(9)
F100(10) F100(11) F100(12) F100(13) F100(14) F100(15) F100(16) F100(17) F100(18)
F100(19) F100(20)

__attribute__((noinline)) void gold_last(gold_cb cb, void *arg)
{
	cb(arg);
	gold_sink++;
}
