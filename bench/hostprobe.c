// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hostprobe: how fast each CPU, and each pair of CPUs, runs kinds of work
 * that a guest's host can slow down, for finding which one follows the
 * level steps in the nginx benchmark's latency (bench/hostprobe.sh,
 * docs/performance.md, "gatehost").
 *
 *   hostprobe [REPS]
 *
 * On each CPU of the process's affinity in turn, times REPS (default 5)
 * repetitions of each probe and prints the median, one line of NAME.CPU=NS
 * words (ns per step):
 *   reg     integer chain in registers (xorshift + multiply-add): the clock
 *   ilp     two independent integer chains (more of the core's ALUs)
 *   l1      dependent pointer chase, random cyclic order over 32 KiB
 *   l2      the same over 1 MiB
 *   l3      the same over 4 MiB
 *   llc     the same over 16 MiB
 *   branch  switch dispatch over a random 4,096-op bytecode (indirect
 *           branch mispredictions, as an interpreter's)
 *   sys     getppid(2) system calls
 *   pipe    a one-byte round trip between two threads on the CPU over pipes
 *   tcp     a 64-byte round trip between two threads on the CPU over a
 *           loopback TCP connection
 * all in CPU time (thread CPU time; for pipe and tcp the process's, both
 * threads), so other tasks sharing the CPU do not count.  Then, for the
 * first two CPUs:
 *   c2c     a cache line bounced between them (ns per round trip, wall
 *           time, the median of 15 batches of 500): tracetool record's
 *           core_to_core_ns measures the same
 *   xpipe   a one-byte pipe round trip between them (wakeups across CPUs)
 *   pairK.CPU  probe K (reg, ilp, branch, l2) run on both CPUs at once
 *           (each CPU's value: slower than alone when the two share a core)
 * HOSTPROBE_WALL=1 prints each probe's wall time on stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LINE 64

static int cmp(const void *a, const void *b);

static double cpu_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* one node per cache line, linked in one random cycle (Sattolo) */
struct chase {
	size_t *mem;
	size_t n, pos;	/* pos: where the last chase stopped, so the next goes on */
};

static void chase_init(struct chase *c, size_t bytes)
{
	size_t *order, i, j, t, stride = LINE / sizeof(size_t);

	c->n = bytes / LINE;
	c->pos = 0;
	if (posix_memalign((void **)&c->mem, 4096, bytes))
		exit(1);
	order = malloc(c->n * sizeof(*order));
	for (i = 0; i < c->n; i++)
		order[i] = i;
	for (i = c->n - 1; i > 0; i--) {
		j = next() % i;
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < c->n; i++)
		c->mem[order[i] * stride] = order[(i + 1) % c->n] * stride;
	free(order);
}

static double chase_run(struct chase *c, size_t steps)
{
	size_t p = c->pos, i;
	double t0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID), t1;

	for (i = 0; i < steps; i++)
		p = c->mem[p];
	t1 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	c->pos = p;
	return (t1 - t0) / steps;
}

static double reg_run(size_t steps)
{
	uint64_t x = 88172645463325252ULL, a = 1;
	double t0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID), t1;
	size_t i;

	for (i = 0; i < steps; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		a = a * 6364136223846793005ULL + x;
	}
	t1 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	__asm__ volatile("" : : "r"(a));
	return (t1 - t0) / steps;
}

/* two independent chains: more of the core's ALUs than reg */
static double ilp_run(size_t steps)
{
	uint64_t a = 1, b = 2, c = 3, d = 4;
	double t0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID), t1;
	size_t i;

	for (i = 0; i < steps; i++) {
		a = a * 6364136223846793005ULL + b;
		b ^= b << 13;
		b ^= b >> 7;
		c = c * 2862933555777941757ULL + d;
		d ^= d << 17;
		d ^= d >> 9;
		__asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));
	}
	t1 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	return (t1 - t0) / steps;
}

#define NCODE 4096
static unsigned char code[NCODE];

static double branch_run(size_t steps)
{
	uint64_t acc = 1, x = 3;
	double t0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID), t1;
	size_t i;

	for (i = 0; i < steps; i++) {
		switch (code[i & (NCODE - 1)]) {
		case 0: acc += x; break;
		case 1: acc ^= x << 3; break;
		case 2: acc -= x >> 1; break;
		case 3: x += acc; break;
		case 4: x ^= acc >> 5; break;
		case 5: acc = acc * 3 + 1; break;
		case 6: x = x * 5 + 7; break;
		case 7: acc = (acc << 1) | (acc >> 63); break;
		case 8: x = (x >> 1) | (x << 63); break;
		case 9: acc += 11; break;
		case 10: x -= 13; break;
		case 11: acc ^= 0x5555; break;
		case 12: x ^= 0xaaaa; break;
		case 13: acc = acc + x + 1; break;
		case 14: x = x - acc - 1; break;
		default: acc = ~acc; break;
		}
		__asm__ volatile("" : "+r"(acc), "+r"(x));
	}
	t1 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	return (t1 - t0) / steps;
}

static double sys_run(size_t steps)
{
	double t0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID), t1;
	size_t i;

	for (i = 0; i < steps; i++)
		syscall(SYS_getppid);
	t1 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	return (t1 - t0) / steps;
}

/* echo thread: read LEN bytes from fd in, write them to fd out, until EOF */
struct echo {
	int in, out, len;
};

static void *echo_main(void *arg)
{
	struct echo *e = arg;
	char buf[64];
	int got;

	for (;;) {
		got = 0;
		while (got < e->len) {
			ssize_t r = read(e->in, buf + got, e->len - got);
			if (r <= 0)
				return NULL;
			got += r;
		}
		if (write(e->out, buf, e->len) != e->len)
			return NULL;
	}
}

static double roundtrip_run(int wfd, int rfd, int len, size_t steps)
{
	char buf[64] = { 0 };
	double t0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID), t1;
	size_t i;

	for (i = 0; i < steps; i++) {
		int got = 0;
		if (write(wfd, buf, len) != len)
			exit(1);
		while (got < len) {
			ssize_t r = read(rfd, buf + got, len - got);
			if (r <= 0)
				exit(1);
			got += r;
		}
	}
	t1 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	return (t1 - t0) / steps;
}

static int tcp_pair(int *a, int *b)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (l < 0 || bind(l, (void *)&sa, sizeof(sa)) || listen(l, 1) ||
	    getsockname(l, (void *)&sa, &sl))
		return -1;
	*a = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(*a, (void *)&sa, sizeof(sa)))
		return -1;
	*b = accept(l, NULL, NULL);
	close(l);
	setsockopt(*a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(*b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return *b < 0 ? -1 : 0;
}

/*
 * The same loop on two CPUs at once: on a guest whose two vCPUs the host
 * runs as SMT siblings of one physical core, each runs slower than alone.
 */
#define NPAIR 4
static const char *pair_names[NPAIR] = { "reg", "ilp", "branch", "l2" };

struct pair {
	pthread_barrier_t *go;
	int cpu, kind, reps;
	struct chase *l2;
	double v[64];
};

static double pair_one(int kind, struct chase *l2)
{
	switch (kind) {
	case 0: return reg_run(200000);
	case 1: return ilp_run(200000);
	case 2: return branch_run(100000);
	default: return chase_run(l2, 100000);
	}
}

static void *pair_main(void *arg)
{
	struct pair *p = arg;
	cpu_set_t one;
	int r;

	CPU_ZERO(&one);
	CPU_SET(p->cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
	pair_one(p->kind, p->l2);
	for (r = 0; r < p->reps; r++) {
		pthread_barrier_wait(p->go);
		p->v[r] = pair_one(p->kind, p->l2);
	}
	return NULL;
}

/*
 * A cache line bounced between two CPUs: one thread on each, taking turns
 * to write a counter the other spins on.  Its round trip is what every
 * request between two processes on different CPUs pays in cache-line
 * transfers: short when the host runs both vCPUs on one core complex (a
 * shared L3), long across dies.  Timed in wall time (both threads spin),
 * the median of batches, so a batch the guest preempted does not count.
 */
#define C2C_BATCH 500
#define C2C_BATCHES 15

struct c2c {
	_Alignas(64) volatile unsigned long line;
	_Alignas(64) int cpu;
	pthread_barrier_t *go;
	double v[C2C_BATCHES];
};

static void pin(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

static void *c2c_echo(void *arg)
{
	struct c2c *c = arg;
	unsigned long i, n = (unsigned long)C2C_BATCH * (C2C_BATCHES + 1);

	pin(c->cpu);
	pthread_barrier_wait(c->go);
	for (i = 1; i <= n; i++) {
		while (c->line != 2 * i - 1)
			__asm__ volatile("pause");
		c->line = 2 * i;
	}
	return NULL;
}

static double c2c_run(int cpu0, int cpu1)
{
	pthread_barrier_t go;
	struct c2c c = { .line = 0, .cpu = cpu1, .go = &go };
	unsigned long i = 1, b, k;
	pthread_t th;
	double t0;

	pin(cpu0);
	pthread_barrier_init(&go, NULL, 2);
	pthread_create(&th, NULL, c2c_echo, &c);
	pthread_barrier_wait(&go);
	for (b = 0; b <= C2C_BATCHES; b++) {	/* batch 0 warms */
		t0 = cpu_ns(CLOCK_MONOTONIC);
		for (k = 0; k < C2C_BATCH; k++, i++) {
			c.line = 2 * i - 1;
			while (c.line != 2 * i)
				__asm__ volatile("pause");
		}
		if (b)
			c.v[b - 1] = (cpu_ns(CLOCK_MONOTONIC) - t0) / C2C_BATCH;
	}
	pthread_join(th, NULL);
	pthread_barrier_destroy(&go);
	qsort(c.v, C2C_BATCHES, sizeof(double), cmp);
	return c.v[C2C_BATCHES / 2];
}

/* a one-byte pipe round trip to a thread on the other CPU: wakeups across CPUs */
static double xpipe_run(int cpu0, int cpu1, int reps)
{
	int pp[2], qq[2], r;
	struct echo e;
	pthread_t th;
	double v[64];

	pin(cpu1);	/* the echo thread inherits it */
	if (pipe(pp) || pipe(qq))
		exit(1);
	e = (struct echo){ .in = pp[0], .out = qq[1], .len = 1 };
	pthread_create(&th, NULL, echo_main, &e);
	pin(cpu0);
	roundtrip_run(pp[1], qq[0], 1, 50);
	for (r = 0; r < reps; r++) {
		double t0 = cpu_ns(CLOCK_MONOTONIC);

		roundtrip_run(pp[1], qq[0], 1, 200);
		v[r] = (cpu_ns(CLOCK_MONOTONIC) - t0) / 200;
	}
	close(pp[1]);
	pthread_join(th, NULL);
	close(pp[0]);
	close(qq[0]);
	close(qq[1]);
	qsort(v, reps, sizeof(double), cmp);
	return v[reps / 2];
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define NPROBE 10
static const char *names[NPROBE] = { "reg", "ilp", "l1", "l2", "l3", "llc", "branch", "sys", "pipe", "tcp" };

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 5, cpu, p, r;
	struct chase l1, l2, l3, llc;
	cpu_set_t all, one;
	double v[64];
	size_t i;

	if (reps < 1 || reps > 64)
		reps = 5;
	for (i = 0; i < NCODE; i++)
		code[i] = next() % 16;
	chase_init(&l1, 32 << 10);
	chase_init(&l2, 1 << 20);
	chase_init(&l3, 4 << 20);
	chase_init(&llc, 16 << 20);
	sched_getaffinity(0, sizeof(all), &all);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		int pp[2], qq[2], ta, tb;
		struct echo pe, te;
		pthread_t pt, tt;

		if (!CPU_ISSET(cpu, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			return 1;
		/* the echo threads inherit the affinity: both ends on this CPU */
		if (pipe(pp) || pipe(qq) || tcp_pair(&ta, &tb))
			return 1;
		pe = (struct echo){ .in = pp[0], .out = qq[1], .len = 1 };
		te = (struct echo){ .in = tb, .out = tb, .len = 64 };
		pthread_create(&pt, NULL, echo_main, &pe);
		pthread_create(&tt, NULL, echo_main, &te);
		/* warm: the chase's lines into the caches, the echo threads awake */
		chase_run(&l1, l1.n);
		chase_run(&l2, l2.n);
		chase_run(&l3, l3.n);
		chase_run(&llc, llc.n);
		roundtrip_run(pp[1], qq[0], 1, 50);
		roundtrip_run(ta, ta, 64, 50);
		for (p = 0; p < NPROBE; p++) {
			double w0 = cpu_ns(CLOCK_MONOTONIC);

			for (r = 0; r < reps; r++) {
				switch (p) {
				case 0: v[r] = reg_run(200000); break;
				case 1: v[r] = ilp_run(200000); break;
				case 2: v[r] = chase_run(&l1, 200000); break;
				case 3: v[r] = chase_run(&l2, 100000); break;
				case 4: v[r] = chase_run(&l3, 40000); break;
				case 5: v[r] = chase_run(&llc, 20000); break;
				case 6: v[r] = branch_run(100000); break;
				case 7: v[r] = sys_run(5000); break;
				case 8: v[r] = roundtrip_run(pp[1], qq[0], 1, 200); break;
				default: v[r] = roundtrip_run(ta, ta, 64, 200); break;
				}
			}
			if (getenv("HOSTPROBE_WALL"))
				fprintf(stderr, "%s.%d: %.2f ms wall\n", names[p], cpu,
					(cpu_ns(CLOCK_MONOTONIC) - w0) / 1e6);
			qsort(v, reps, sizeof(v[0]), cmp);
			printf("%s.%d=%.3f ", names[p], cpu, v[reps / 2]);
		}
		close(pp[1]);
		close(ta);
		pthread_join(pt, NULL);
		pthread_join(tt, NULL);
		close(pp[0]);
		close(qq[0]);
		close(qq[1]);
		close(tb);
	}
	{
		int cpus[2], n = 0, k, j;
		struct chase l2b;

		for (cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++)
			if (CPU_ISSET(cpu, &all))
				cpus[n++] = cpu;
		if (n == 2) {
			printf("c2c=%.3f ", c2c_run(cpus[0], cpus[1]));
			printf("xpipe=%.3f ", xpipe_run(cpus[0], cpus[1], reps));
		}
		chase_init(&l2b, 1 << 20);
		chase_run(&l2b, l2b.n);
		for (k = 0; n == 2 && k < NPAIR; k++) {
			struct pair pr[2];
			pthread_t th[2];

			pthread_barrier_t go;

			pthread_barrier_init(&go, NULL, 2);
			for (j = 0; j < 2; j++) {
				pr[j].go = &go;
				pr[j].cpu = cpus[j];
				pr[j].kind = k;
				pr[j].reps = reps;
				pr[j].l2 = j ? &l2b : &l2;
			}
			for (j = 0; j < 2; j++)
				pthread_create(&th[j], NULL, pair_main, &pr[j]);
			for (j = 0; j < 2; j++)
				pthread_join(th[j], NULL);
			pthread_barrier_destroy(&go);
			for (j = 0; j < 2; j++) {
				qsort(pr[j].v, reps, sizeof(double), cmp);
				printf("pair%s.%d=%.3f ", pair_names[k], cpus[j], pr[j].v[reps / 2]);
			}
		}
	}
	printf("\n");
	return 0;
}
