// SPDX-License-Identifier: MIT
/*
 * tamalloc-fuzz: seeded, reproducible fuzzing of the device's whole user
 * interface.
 *
 *   tamalloc-fuzz [-s SEED] [-n CALLS] [-t THREADS]
 *
 * THREADS threads (default 4) share CALLS calls (default 1000000): ioctls
 * with random numbers (ours, ours with wrong sizes or directions, and any
 * other), random struct sizes and contents, and pointers that are NULL,
 * unmapped, read-only, in kernel space or valid; random pids; mmap with
 * random lengths, offsets, protections and flags, and munmap, mprotect,
 * mremap, madvise and touches of whatever got mapped; discards of random
 * ranges; caps of random sizes on a target process that keeps touching its
 * memory (caps on the fuzzers would stop their own touches).  Half the
 * threads run as nobody.  Nothing may crash the kernel or warn (the VM
 * harness watches the log); the device must keep answering.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/tamalloc.h>

#define PAGE		4096UL
#define SLOTS		8

struct fuzzer {
	uint64_t rng;
	unsigned long calls;
	int fd;
	void *valid;		/* a writable buffer of 2 pages */
	void *readonly;		/* a read-only page */
	void *slot[SLOTS];	/* what mmap returned */
	size_t slot_len[SLOTS];
	size_t slot_object[SLOTS];	/* the length mmap made it with */
	int slot_anon[SLOTS];		/* random flags made it MAP_ANONYMOUS */
};

static unsigned long calls_each;
static pid_t target_pid;	/* the process TAM_IOC_SET_LIMITS may cap */
static __thread struct fuzzer *current_fuzzer;
static __thread const char *current_op = "start";

/*
 * A fault in the fuzzer itself is a harness bug, not the kernel's: say where
 * it happened, with the thread's slots and the process's mappings, and die.
 */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	struct fuzzer *f = current_fuzzer;
	char buf[4096];
	ssize_t n;
	int fd, i;

	struct tam_proc_stats st = { .size = sizeof(st) };
	struct tam_sys_stats sys = { .size = sizeof(sys) };

	(void)uc;
	dprintf(2, "tamalloc-fuzz: signal %d at %p during %s\n", sig, si->si_addr,
		current_op);
	fd = open(TAM_DEVICE_PATH, O_RDWR);
	if (fd >= 0 && !ioctl(fd, TAM_IOC_PROC_STATS, &st) && !ioctl(fd, TAM_IOC_SYS_STATS, &sys))
		dprintf(2, "  caps: process %llu/%llu, system %llu/%llu; resident %llu\n",
			(unsigned long long)st.reserved_limit, (unsigned long long)st.resident_limit,
			(unsigned long long)sys.reserved_limit, (unsigned long long)sys.resident_limit,
			(unsigned long long)st.resident_bytes);
	if (f) {
		dprintf(2, "  valid %p readonly %p\n", f->valid, f->readonly);
		for (i = 0; i < SLOTS; i++)
			dprintf(2, "  slot %d: %p + %zu\n", i, f->slot[i], f->slot_len[i]);
	}
	fd = open("/proc/self/maps", O_RDONLY);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (write(2, buf, (size_t)n) < 0)
			break;
	_exit(128 + sig);
}

static uint64_t next(struct fuzzer *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct fuzzer *f, uint64_t n)
{
	return n ? next(f) % n : 0;
}

/* A size that is interesting more often than chance would make it. */
static uint64_t fuzz_size(struct fuzzer *f)
{
	static const uint64_t sizes[] = {
		0, 1, 7, 8, 16, 23, 24, 25, 63, 64, 65, 79, 80, 81, 88, 4095,
		4096, 4097, 8192, 1ULL << 32, ~0ULL,
	};

	return below(f, 4) ? sizes[below(f, sizeof(sizes) / sizeof(sizes[0]))]
			   : next(f);
}

static void *fuzz_pointer(struct fuzzer *f)
{
	switch (below(f, 8)) {
	case 0: return NULL;
	case 1: return (void *)(uintptr_t)(below(f, 1 << 20));	/* unmapped low */
	case 2: return (void *)(uintptr_t)0xffffffff81000000ULL;	/* kernel */
	case 3: return (void *)(uintptr_t)(0xffff888000000000ULL + below(f, 1ULL << 30));
	case 4: return f->readonly;
	case 5: return (char *)f->valid + PAGE * 2 - below(f, 64);	/* runs off the end */
	default: return f->valid;
	}
}

static unsigned long fuzz_cmd(struct fuzzer *f)
{
	static const unsigned long ours[] = {
		TAM_IOC_PROC_STATS, TAM_IOC_SYS_STATS, TAM_IOC_LIST_PIDS, TAM_IOC_DISCARD,
		TAM_IOC_SET_LIMITS, TAM_IOC_UNPIN, TAM_IOC_PIN, TAM_IOC_PURGE,
	};
	unsigned long cmd = ours[below(f, sizeof(ours) / sizeof(ours[0]))];

	switch (below(f, 6)) {
	case 0:	/* another size */
		return (cmd & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		       (below(f, 1 << 14) << _IOC_SIZESHIFT);
	case 1:	/* another direction */
		return (cmd & ~(3UL << _IOC_DIRSHIFT)) | (below(f, 4) << _IOC_DIRSHIFT);
	case 2:	/* our magic, any number */
		return _IOC(below(f, 4), TAM_IOC_MAGIC, below(f, 256), below(f, 512));
	case 3:	/* anything at all, but not the VFS's own freeze ioctls */
		cmd = (unsigned long)(uint32_t)next(f);
		return (cmd >> 8 & 0xff) == 'X' ? 0 : cmd;
	default:
		return cmd;
	}
}

/* Fill the valid buffer as a struct of our ABI with random contents. */
static void fuzz_struct(struct fuzzer *f)
{
	uint64_t *w = f->valid;
	unsigned int i;

	for (i = 0; i < 2 * PAGE / 8; i++)
		w[i] = below(f, 3) ? 0 : next(f);
	w[0] = fuzz_size(f);
	switch (below(f, 5)) {
	case 0:	/* a pid: someone's, nobody's, negative, huge */
		((int32_t *)f->valid)[2] = (int32_t)(below(f, 2) ? below(f, 300) : next(f));
		break;
	case 1:	/* a pid list: pointer and capacity */
		w[1] = (uintptr_t)fuzz_pointer(f);
		((uint32_t *)f->valid)[4] = (uint32_t)(below(f, 2) ? below(f, 64) : next(f));
		break;
	case 2:	/* a range (and an unpin's priority): in a slot, or anywhere */
		i = (unsigned int)below(f, SLOTS);
		w[1] = f->slot[i] && below(f, 2) ?
		       (uintptr_t)f->slot[i] + PAGE * below(f, 4) : next(f);
		w[2] = below(f, 2) ? PAGE * below(f, 8) : next(f);
		w[3] = below(f, 2) ? below(f, TAM_UNPIN_PRIORITIES + 1) : next(f);
		break;
	case 3:	/* caps: small enough to bite, or anything */
		w[2] = below(f, 2) ? PAGE * below(f, 64) : next(f);
		w[3] = below(f, 2) ? PAGE * below(f, 64) : next(f);
		break;
	default:
		break;
	}
}

static void fuzz_ioctl(struct fuzzer *f)
{
	unsigned long cmd = fuzz_cmd(f);
	void *arg = below(f, 4) ? f->valid : fuzz_pointer(f);

	fuzz_struct(f);
	/*
	 * Caps go on the target, or on no process at all: a cap on a fuzzer
	 * would make its own touches SIGBUS.  A struct anywhere in the valid
	 * buffer (one running off its end too) could name pid 0, the caller.
	 */
	if (cmd == TAM_IOC_SET_LIMITS) {
		if ((char *)arg > (char *)f->valid && (char *)arg < (char *)f->valid + 2 * PAGE)
			arg = f->valid;
		if (arg == f->valid)
			((int32_t *)f->valid)[2] = below(f, 8) ? target_pid :
						   below(f, 2) ? -1 : 0x3ffffff0;
	}
	ioctl(f->fd, cmd, arg);
}

static void fuzz_mmap(struct fuzzer *f)
{
	static const int flag_bits[] = {
		MAP_NORESERVE, MAP_POPULATE, MAP_LOCKED, MAP_GROWSDOWN,
		MAP_HUGETLB, MAP_32BIT, MAP_NONBLOCK, MAP_SYNC, MAP_STACK,
	};
	unsigned int s = (unsigned int)below(f, SLOTS), i;
	size_t len;
	int flags, prot;
	off_t off;

	if (f->slot[s]) {
		munmap(f->slot[s], f->slot_len[s]);
		f->slot[s] = NULL;
	}
	len = below(f, 8) ? PAGE * below(f, 64) : fuzz_size(f);
	off = below(f, 4) ? 0 : (off_t)(PAGE * below(f, 16));
	prot = (int)below(f, 8);
	flags = below(f, 2) ? MAP_SHARED : MAP_PRIVATE;
	if (!below(f, 8))
		flags = (int)(uint32_t)next(f) & ~(MAP_FIXED | MAP_FIXED_NOREPLACE);
	for (i = 0; i < sizeof(flag_bits) / sizeof(flag_bits[0]); i++)
		if (!below(f, 6))
			flags |= flag_bits[i];
	/* MAP_POPULATE of a huge mapping would only exhaust the VM. */
	if (len > 8 * PAGE)
		flags &= ~(MAP_POPULATE | MAP_LOCKED);
	f->slot[s] = mmap(NULL, len, prot, flags & ~(MAP_FIXED | MAP_FIXED_NOREPLACE),
			  f->fd, off);
	if (f->slot[s] == MAP_FAILED)
		f->slot[s] = NULL;
	else
		f->slot_len[s] = f->slot_object[s] = len;
	f->slot_anon[s] = !!(flags & MAP_ANONYMOUS);
}

static void fuzz_mapping_op(struct fuzzer *f)
{
	unsigned int s = (unsigned int)below(f, SLOTS);
	char *p = f->slot[s], *q;
	size_t len = f->slot_len[s], off, n;

	if (!p || !len)
		return fuzz_mmap(f);
	/* Stay inside the slot: a neighbour may be another thread's buffer. */
	len = (len + PAGE - 1) & ~(PAGE - 1);
	off = PAGE * below(f, len / PAGE);
	n = PAGE * (1 + below(f, 8));
	if (n > len - off)
		n = len - off;
	switch (below(f, 6)) {
	case 0:
		mprotect(p + off, n, (int)below(f, 8));
		break;
	case 1:
		madvise(p + off, n, (int)below(f, 26));
		break;
	case 2:
		n = PAGE * (1 + below(f, 32));
		q = mremap(p, len, n, MREMAP_MAYMOVE);
		if (q != MAP_FAILED) {
			f->slot[s] = q;
			f->slot_len[s] = n;
		}
		break;
	case 3:
		/*
		 * Touch the device's mappings, if readable and writable, within
		 * their first length.  Random flags may have made a slot
		 * anonymous memory, where a touch can be SIGBUS by design
		 * (shmem past its size after mremap() growth, MAP_HUGETLB |
		 * MAP_NORESERVE with an empty pool): those are left alone.
		 */
		current_op = "touch";
		if (f->slot_anon[s])
			break;
		if (mprotect(p, len, PROT_READ | PROT_WRITE) == 0)
			for (off = 0; off < len && off < f->slot_object[s] &&
			     off < 8 * PAGE; off += PAGE)
				p[off] = (char)off;
		break;
	case 4:
		/*
		 * A part, then the rest around it, never the part's range
		 * again: another thread's mmap() may take the hole at once,
		 * and an munmap() over it would destroy that mapping.
		 */
		munmap(p + off, n);
		munmap(p, off);
		munmap(p + off + n, len - off - n);
		f->slot[s] = NULL;
		break;
	default:
		fuzz_ioctl(f);
		break;
	}
}

static void *fuzz_thread(void *arg)
{
	struct fuzzer *f = arg;
	unsigned long i;

	current_fuzzer = f;
	f->fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (f->fd < 0)
		return (void *)1;
	f->valid = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->readonly = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->valid == MAP_FAILED || f->readonly == MAP_FAILED)
		return (void *)1;
	for (i = 0; i < calls_each; i++) {
		switch (below(f, 10)) {
		case 0: case 1:
			current_op = "mmap";
			fuzz_mmap(f);
			break;
		case 2: case 3: case 4:
			current_op = "mapping op";
			fuzz_mapping_op(f);
			break;
		default:
			current_op = "ioctl";
			fuzz_ioctl(f);
			break;
		}
		f->calls++;
	}
	for (i = 0; i < SLOTS; i++)
		if (f->slot[i])
			munmap(f->slot[i], f->slot_len[i]);
	close(f->fd);
	return NULL;
}

static sigjmp_buf target_jump;

static void target_on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(target_jump, 1);
}

static struct fuzzer target_rng;

/* Touch and give back pages of the target's memory, forever. */
static void target_loop(volatile char *private, volatile char *shared)
{
	volatile size_t i;

	for (;;) {
		sigsetjmp(target_jump, 1);
		for (i = 0; i < 64; i++)
			(i & 1 ? shared : private)[PAGE * below(&target_rng, 64)] = 1;
		madvise((void *)private, PAGE * below(&target_rng, 64), MADV_DONTNEED);
	}
}

/*
 * The target of the caps: touches its shared and private memory over and
 * over, and gives some back, until killed.  SIGBUS over a cap is expected.
 */
static void target_process(uint64_t seed)
{
	struct sigaction sa = { .sa_handler = target_on_sigbus };
	int fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	char *p, *s;

	target_rng.rng = seed;
	/* Never outlive the fuzzer, even one that dies. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	sigaction(SIGBUS, &sa, NULL);
	p = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	s = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || s == MAP_FAILED)
		_exit(1);
	target_loop(p, s);
}

/* Run THREADS fuzzers in one process, as root or as nobody. */
static int fuzz_process(uint64_t seed, int threads, int as_nobody)
{
	struct fuzzer *f = calloc((size_t)threads, sizeof(*f));
	pthread_t *t = calloc((size_t)threads, sizeof(*t));
	int i, bad = 0;
	void *ret;

	if (!f || !t)
		return 1;
	if (as_nobody && (setgid(65534) || setuid(65534)))
		return 1;
	target_pid = fork();
	if (target_pid < 0)
		return 1;
	if (!target_pid)
		target_process(seed);
	for (i = 0; i < threads; i++) {
		f[i].rng = seed + (uint64_t)i;
		if (pthread_create(&t[i], NULL, fuzz_thread, &f[i]))
			return 1;
	}
	for (i = 0; i < threads; i++) {
		pthread_join(t[i], &ret);
		bad |= ret != NULL;
	}
	kill(target_pid, SIGKILL);
	waitpid(target_pid, NULL, 0);
	return bad;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	unsigned long calls = 1000000;
	int threads = 4, opt, status, i, failed = 0;
	struct tam_sys_stats sys = { .size = sizeof(sys) };
	pid_t pid[2];
	int fd;

	while ((opt = getopt(argc, argv, "s:n:t:")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': calls = strtoul(optarg, NULL, 0); break;
		case 't': threads = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-n CALLS] [-t THREADS]\n", argv[0]);
			return 2;
		}
	}
	if (threads < 2 || threads > 64 || !calls) {
		fprintf(stderr, "tamalloc-fuzz: need 2 <= THREADS <= 64 and CALLS > 0\n");
		return 2;
	}
	fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tamalloc-fuzz: %s: %s\n", TAM_DEVICE_PATH, strerror(errno));
		return 77;
	}
	{
		struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };

		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
	}
	calls_each = calls / (unsigned long)threads;
	printf("tamalloc-fuzz: seed %" PRIu64 ", %lu calls over %d threads\n",
	       seed, calls_each * threads, threads);
	fflush(stdout);

	/* Half the threads as root, half as nobody, in two processes. */
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		if (!pid[i])
			_exit(fuzz_process(seed * 7919 + (uint64_t)i * 1000, threads / 2, i));
	}
	for (i = 0; i < 2; i++) {
		if (waitpid(pid[i], &status, 0) != pid[i] || status) {
			fprintf(stderr, "tamalloc-fuzz: fuzzing process %d ended with status %#x\n",
				i, status);
			failed = 1;
		}
	}

	/* The device still answers, and everything was given back. */
	if (ioctl(fd, TAM_IOC_SYS_STATS, &sys)) {
		fprintf(stderr, "tamalloc-fuzz: TAM_IOC_SYS_STATS: %s\n", strerror(errno));
		failed = 1;
	} else if (sys.reserved_bytes || sys.resident_bytes || sys.shared_bytes ||
		   sys.processes || sys.mappings) {
		fprintf(stderr, "tamalloc-fuzz: figures not back to 0 (shared %llu bytes, %llu mappings)\n",
			(unsigned long long)sys.shared_bytes, (unsigned long long)sys.mappings);
		failed = 1;
	}
	printf("tamalloc-fuzz: %lu calls fuzzed; pages leaked: %llu\n",
	       calls_each * threads, (unsigned long long)(sys.shared_bytes / PAGE));
	printf("fuzz: %d passed, %d failed\n", !failed, failed);
	return failed;
}
