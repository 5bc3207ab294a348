/*
 * How fast this machine is right now, as one number: fills 64 MiB with pseudo-random words, then
 * reads them 12 times in a scattered order (nearly every read a cache miss and, on 4 KiB pages, a
 * TLB miss) and prints the milliseconds it took. Run on an otherwise idle machine between benchmark
 * runs: on the shared benchmark VM it reads 540-2,200 ms depending on the hour, and the rollups'
 * queries and the dedup window, which read memory the same way, slow down with it. See
 * load-tests/README.md ("The machine-speed probe").
 *
 *   gcc -O2 -o /tmp/machine-probe load-tests/peers/machine-probe.c && /tmp/machine-probe
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(void) {
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  size_t n = (size_t) 1 << 24;
  unsigned *words = malloc(n * sizeof *words);
  if (words == NULL) {
    perror("malloc");
    return 1;
  }
  unsigned x = 1;
  for (size_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    words[i] = x;
  }
  unsigned long sum = 0;
  for (int round = 0; round < 12; round++) {
    for (size_t i = 0; i < n; i++) {
      sum += words[(i * 2654435761u) & (n - 1)];
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  long ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
  /* The sum's parity is printed so that the compiler cannot drop the reads. */
  printf("%ld ms (%lu)\n", ms, sum & 1);
  free(words);
  return 0;
}
