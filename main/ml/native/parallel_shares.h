/* Contiguous shares of a streaming kernel's rows on the BLAS threads (parallel_shares.c). */
#pragma once
#include <stddef.h>

/* Most shares a kernel is split into; a kernel's per-share accumulators are sized by it. */
#define MAX_SHARES 16

/* Runs work(context, share, from, to) over [0, units) split into contiguous shares; returns how many. */
int parallel_shares(size_t units, size_t floats_per_unit, void (*work)(void *context, int share, size_t from, size_t to), void *context);
