/* Work split over threads: tasks run side by side, and a streaming kernel's rows in contiguous shares on the BLAS threads (parallel_shares.c). */
#pragma once
#include <stddef.h>

/* Most shares a kernel is split into; a kernel's per-share accumulators are sized by it. */
#define MAX_SHARES 16

/* Runs fn on each of `count` tasks (an array of task_bytes each): the first on the calling thread, the rest on threads of their own (or here, where one cannot start); returns when all are done. */
void run_on_threads(void *(*fn)(void *task), void *tasks, size_t task_bytes, int count);

/* Runs work(context, share, from, to) over [0, units) split into contiguous shares; returns how many. */
int parallel_shares(size_t units, size_t floats_per_unit, void (*work)(void *context, int share, size_t from, size_t to), void *context);
