// Host micro-benchmark of the memory manager's cores (PMM and FBA), built
// by tools/bench_mm.py. Not a test: it prints nanoseconds per operation,
// the median of several runs. The PMM area is an mmap reservation backed
// page by page, as in tests/host/test_pmm.c; the FBA's backing callbacks
// do nothing, so its figures are the bitmap's own cost.

#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "mm/fba_core.c"
#include "mm/pmm_core.c"

#define RUNS      7
#define PAIRS     2000000 // alloc+free pairs per run
#define BATCH     100000  // pages taken then returned per run
#define FBA_BATCH 10000
#define AREA_SIZE (1ULL << 30)
#define FBA_SIZE  (256ULL << 20)
#define RAM_BASE  (2ULL << 20)
#define SMALL_RAM (128ULL << 20)
#define LARGE_RAM (8ULL << 30)

static uint8_t *area;
static uint8_t *mapped_pages; // one byte per area page: backed or not

static bool
area_map(void *ctx, uintptr_t va, uint64_t phys)
{
  (void)ctx;
  (void)phys;
  if (mprotect((void *)va, PMM_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0)
    return false;
  mapped_pages[(va - (uintptr_t)area) / PMM_PAGE_SIZE] = 1;
  return true;
}

static bool
area_mapped(void *ctx, uintptr_t va)
{
  (void)ctx;
  return mapped_pages[(va - (uintptr_t)area) / PMM_PAGE_SIZE];
}

static double
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static struct pmm *
fresh_pmm(struct mem_range *ram, double *init_ns)
{
  munmap(area, AREA_SIZE);
  area = mmap(NULL, AREA_SIZE, PROT_NONE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  free(mapped_pages);
  mapped_pages = calloc(AREA_SIZE / PMM_PAGE_SIZE, 1);
  area_map(NULL, (uintptr_t)area, 0);
  struct pmm_ops ops = {NULL, area_map, area_mapped};
  enum pmm_status status;
  double start = now_ns();
  struct pmm *pmm =
      pmm_core_init((uintptr_t)area, AREA_SIZE, &ops, ram, 1, &status);
  *init_ns = now_ns() - start;
  if (!pmm) {
    fprintf(stderr, "pmm_core_init: %s\n", pmm_status_name(status));
    exit(1);
  }
  return pmm;
}

static int
compare(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double
median(double *v)
{
  qsort(v, RUNS, sizeof(*v), compare);
  return v[RUNS / 2];
}

static void
bench_pmm(void)
{
  static uint64_t held[BATCH];
  double pair[RUNS], batch[RUNS], init_small[RUNS], init_large[RUNS];
  struct mem_range small = {RAM_BASE, SMALL_RAM}, large = {RAM_BASE, LARGE_RAM};

  for (int r = 0; r < RUNS; r++) {
    fresh_pmm(&small, &init_small[r]);
    struct pmm *pmm = fresh_pmm(&large, &init_large[r]);
    double start = now_ns();
    for (int i = 0; i < PAIRS; i++)
      pmm_core_free(pmm, pmm_core_alloc(pmm));
    pair[r] = (now_ns() - start) / PAIRS;
    start = now_ns();
    for (int i = 0; i < BATCH; i++)
      held[i] = pmm_core_alloc(pmm);
    for (int i = 0; i < BATCH; i++)
      pmm_core_free(pmm, held[(i * 7919) % BATCH]); // scattered order
    batch[r] = (now_ns() - start) / BATCH;
  }
  printf("pmm alloc+free (pair, LIFO): %.1f ns/op\n", median(pair));
  printf("pmm alloc+free (100k batch, scattered frees): %.1f ns/op\n",
         median(batch));
  printf("pmm init, 128 MiB: %.0f ns; 8 GiB: %.0f ns\n", median(init_small),
         median(init_large));
}

static bool
fba_back(void *ctx, uintptr_t va)
{
  (void)ctx;
  (void)va;
  return true;
}

static void
fba_release(void *ctx, uintptr_t va)
{
  (void)ctx;
  (void)va;
}

static void
bench_fba(void)
{
  static void *held[FBA_BATCH];
  double pair[RUNS], batch[RUNS];
  struct fba_ops ops = {NULL, fba_back, fba_release};
  uint64_t *base = aligned_alloc(
      FBA_BLOCK_SIZE, fba_core_meta_blocks(FBA_SIZE) * FBA_BLOCK_SIZE);

  for (int r = 0; r < RUNS; r++) {
    struct fba fba;
    fba_core_init(&fba, (uintptr_t)base, FBA_SIZE, &ops);
    double start = now_ns();
    for (int i = 0; i < PAIRS; i++)
      fba_core_free(&fba, fba_core_alloc(&fba, 1), 1);
    pair[r] = (now_ns() - start) / PAIRS;
    start = now_ns();
    for (int i = 0; i < FBA_BATCH; i++)
      held[i] = fba_core_alloc(&fba, 1);
    for (int i = 0; i < FBA_BATCH; i++)
      fba_core_free(&fba, held[(i * 7919) % FBA_BATCH], 1);
    batch[r] = (now_ns() - start) / FBA_BATCH;
  }
  printf("fba alloc+free (pair): %.1f ns/op\n", median(pair));
  printf("fba alloc+free (10k batch, scattered frees): %.1f ns/op\n",
         median(batch));
  free(base);
}

int
main(void)
{
  bench_pmm();
  bench_fba();
  return 0;
}
