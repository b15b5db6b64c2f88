/*
 * Contiguous shares of a streaming (elementwise or per-channel) kernel on the BLAS threads. The
 * pooling and BatchNorm + LeakyReLU passes are memory-bound, and on one thread they took a quarter
 * of the photo training step while the second core sat idle between GEMMs (tf.profile, DIM-64,
 * batch 64: max-pool gradient 95 ms and BatchNorm gradient 58 ms of a 600 ms step). Share 0 runs
 * on the calling thread; small inputs stay on it (a thread start costs more than they do).
 */
#include <cblas.h>
#include <pthread.h>
#include "parallel_shares.h"

/* Below this many floats a share is not worth a thread. */
enum { MIN_FLOATS_PER_SHARE = 1 << 16 };

typedef struct {
  void (*work)(void *, int, size_t, size_t);
  void *context;
  int share;
  size_t from, to;
} share_task;

static void *run_share(void *p) {
  share_task *t = p;
  t->work(t->context, t->share, t->from, t->to);
  return NULL;
}

void run_on_threads(void *(*fn)(void *task), void *tasks, size_t task_bytes, int count) {
  char *task = tasks;
  if (count < 1) return;
  pthread_t ids[MAX_SHARES];
  int started = 1;
  for (; started < count && started < MAX_SHARES; started++)
    if (pthread_create(&ids[started], NULL, fn, task + started * task_bytes) != 0) break;
  fn(task);
  /* A task without a thread (one could not start, or past MAX_SHARES) runs here. */
  for (int s = started; s < count; s++) fn(task + s * task_bytes);
  for (int s = 1; s < started; s++) pthread_join(ids[s], NULL);
}

int parallel_shares(size_t units, size_t floats_per_unit, void (*work)(void *context, int share, size_t from, size_t to), void *context) {
  int shares = openblas_get_num_threads();
  if (shares > MAX_SHARES) shares = MAX_SHARES;
  while (shares > 1 && (units < (size_t)shares || units * floats_per_unit < (size_t)shares * MIN_FLOATS_PER_SHARE)) shares--;
  if (shares < 1) shares = 1;
  share_task tasks[MAX_SHARES];
  for (int s = 0; s < shares; s++) tasks[s] = (share_task){work, context, s, units * s / shares, units * (s + 1) / shares};
  run_on_threads(run_share, tasks, sizeof tasks[0], shares);
  return shares;
}
