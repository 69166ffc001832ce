/*
 * The floor for bench/memhog.sh: map SIZE bytes of private anonymous memory and write every byte
 * (0xff) PASSES times, the fastest ways this machine allows, with no output and no checks.
 *
 *   floor SIZE PASSES MODE THREADS
 *
 * MODE:
 *   thp       madvise(MADV_HUGEPAGE) on a 2 MiB-aligned buffer, first touch by the writers
 *   thp-pop   the same, but each writer first prefaults its part with MADV_POPULATE_WRITE
 *   thp-nt    thp, and passes after the first (memory already resident) use streaming stores
 *   populate  mmap(MAP_POPULATE): the kernel prefaults (small pages unless THP is "always")
 *   plain     neither: 4 KiB first-touch faults, as numactl's memhog does
 *
 * Writers take 2 MiB pieces from a shared counter (so a writer that the scheduler delays does not
 * hold up the others, as a fixed split would) and memset each one right after its first-touch
 * fault, while the kernel's zeroing of it is still in the cache. Passes are not separated by a
 * barrier: the floor does the least work allowed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __x86_64__
#include <emmintrin.h>
#endif

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define HUGE (2UL << 20)
#define MAX_THREADS 64

static char *map;
static size_t len, pieces;
static int passes, prefault, stream;
static _Atomic size_t next_piece;

/* Non-temporal stores for resident memory; `off` is 2 MiB aligned, `n` a multiple of 4 KiB
 * except at the very end, which is finished with memset. */
static void stream_fill(char *p, size_t n)
{
#ifdef __x86_64__
	__m128i v = _mm_set1_epi8((char)0xff);
	size_t i = 0;
	for (; i + 64 <= n; i += 64) {
		_mm_stream_si128((__m128i *)(p + i), v);
		_mm_stream_si128((__m128i *)(p + i + 16), v);
		_mm_stream_si128((__m128i *)(p + i + 32), v);
		_mm_stream_si128((__m128i *)(p + i + 48), v);
	}
	_mm_sfence();
	memset(p + i, 0xff, n - i);
#else
	memset(p, 0xff, n);
#endif
}

static void *writer(void *arg)
{
	(void)arg;
	for (;;) {
		size_t k = next_piece++;
		if (k >= pieces * passes)
			return NULL;
		size_t off = (k % pieces) * HUGE;
		size_t n = len - off < HUGE ? len - off : HUGE;
		if (prefault && k < pieces)
			madvise(map + off, n, MADV_POPULATE_WRITE);
		if (stream && k >= pieces)
			stream_fill(map + off, n);
		else
			memset(map + off, 0xff, n);
	}
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: floor SIZE PASSES thp|thp-pop|thp-nt|populate|plain THREADS\n");
		return 2;
	}
	len = strtoull(argv[1], NULL, 0);
	passes = atoi(argv[2]);
	const char *mode = argv[3];
	int threads = atoi(argv[4]);
	if (threads < 1 || threads > MAX_THREADS || len == 0 || passes < 1) {
		fprintf(stderr, "floor: bad size or thread count\n");
		return 2;
	}
	int huge = !strcmp(mode, "thp") || !strcmp(mode, "thp-pop") || !strcmp(mode, "thp-nt");
	stream = !strcmp(mode, "thp-nt");
	prefault = !strcmp(mode, "thp-pop");
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | (!strcmp(mode, "populate") ? MAP_POPULATE : 0);

	size_t total = huge ? len + HUGE : len;
	char *base = mmap(NULL, total, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (base == MAP_FAILED) {
		perror("floor: mmap");
		return 1;
	}
	map = base;
	if (huge) {
		map = (char *)(((unsigned long)base + HUGE - 1) & ~(HUGE - 1));
		if (madvise(map, len, MADV_HUGEPAGE))
			perror("floor: madvise");
	}

	pieces = (len + HUGE - 1) / HUGE;
	pthread_t tid[MAX_THREADS];
	for (int t = 0; t < threads; t++) {
		if (pthread_create(&tid[t], NULL, writer, NULL)) {
			perror("floor: pthread_create");
			return 1;
		}
	}
	for (int t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	return 0;
}
