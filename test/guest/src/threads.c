/* pthreads: create/join, mutexes, condition variables, TLS (set_thread_area and %gs), keys, once, signals to a thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "suite.h"

#define NT 4
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread int tls_int = 5;
static __thread char tls_buf[64] = "initial";
static unsigned short gs_sel[NT + 1];
static uintptr_t tp[NT + 1];
static int tls_ok[NT + 1], errno_ok[NT + 1];

static uintptr_t thread_pointer(void) { uintptr_t p; __asm__ volatile("movl %%gs:0, %0" : "=r"(p)); return p; }
static unsigned short gs(void) { unsigned short s; __asm__ volatile("movw %%gs, %0" : "=r"(s)); return s; }

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  tls_ok[id] = tls_int == 5 && !strcmp(tls_buf, "initial");
  tls_int = id * 100;
  snprintf(tls_buf, sizeof tls_buf, "thread %d", id);
  gs_sel[id] = gs();
  tp[id] = thread_pointer();
  errno = id;
  for (int i = 0; i < 2000; i++) {
    pthread_mutex_lock(&mu);
    counter++;
    pthread_mutex_unlock(&mu);
    if (i % 500 == 0) sched_yield();
  }
  char want[64];
  snprintf(want, sizeof want, "thread %d", id);
  tls_ok[id] &= tls_int == id * 100 && !strcmp(tls_buf, want);
  errno_ok[id] = errno == id;
  return (void *)(intptr_t)(id * id);
}

/* a bounded queue with two condition variables */
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static int q[8], qh, qt, qn;
static void *producer(void *arg) {
  (void)arg;
  for (int i = 1; i <= 300; i++) {
    pthread_mutex_lock(&mu);
    while (qn == 8) pthread_cond_wait(&not_full, &mu);
    q[qt] = i; qt = (qt + 1) % 8; qn++;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

static int once_count, dtor_count;
static void once_fn(void) { once_count++; }
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static void dtor(void *v) { (void)v; __atomic_add_fetch(&dtor_count, 1, __ATOMIC_SEQ_CST); }
static void *keyed(void *arg) { pthread_once(&once, once_fn); pthread_setspecific(key, arg); return pthread_getspecific(key); }

static volatile pthread_t handled_by;
static void usr1(int sig) { (void)sig; handled_by = pthread_self(); }
static sem_t ready, go;
static void *waiter(void *arg) { (void)arg; sem_post(&ready); sem_wait(&go); return NULL; }

int t_threads(int argc, char **argv) {
  (void)argc; (void)argv;
  pthread_t t[NT + 1];
  tls_int = 7;
  gs_sel[0] = gs(); tp[0] = thread_pointer();
  for (int i = 1; i <= NT; i++) pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
  int rets = 0;
  for (int i = 1; i <= NT; i++) { void *r; pthread_join(t[i], &r); rets += (int)(intptr_t)r; }
  printf("%d threads: counter %ld, return values sum %d\n", NT, counter, rets);
  int all_tls = 1, all_errno = 1, same_gs = 1, distinct_tp = 1;
  for (int i = 1; i <= NT; i++) {
    all_tls &= tls_ok[i]; all_errno &= errno_ok[i]; same_gs &= gs_sel[i] == gs_sel[0];
    for (int j = 0; j < i; j++) distinct_tp &= tp[i] != tp[j];
  }
  printf("__thread variables per thread %d, main's kept %d, errno per thread %d\n", all_tls, tls_int == 7, all_errno);
  printf("%%gs: a GDT selector %d with RPL 3 %d, the same in every thread %d; %%gs:0 (thread pointer) distinct %d, points to itself %d\n",
         (gs_sel[0] & 4) == 0 && gs_sel[0] > 3, (gs_sel[0] & 3) == 3, same_gs, distinct_tp, *(uintptr_t *)tp[0] == tp[0]);

  pthread_t pr;
  pthread_create(&pr, NULL, producer, NULL);
  long sum = 0; int got = 0;
  while (got < 300) {
    pthread_mutex_lock(&mu);
    while (qn == 0) pthread_cond_wait(&not_empty, &mu);
    sum += q[qh]; qh = (qh + 1) % 8; qn--; got++;
    pthread_cond_signal(&not_full);
    pthread_mutex_unlock(&mu);
  }
  pthread_join(pr, NULL);
  printf("condition variables: consumed %d items, sum %ld\n", got, sum);

  pthread_key_create(&key, dtor);
  int okv = 1;
  for (int i = 0; i < 3; i++) {
    pthread_t k; void *r;
    pthread_create(&k, NULL, keyed, (void *)(intptr_t)(i + 1));
    pthread_join(k, &r);
    okv &= (intptr_t)r == i + 1;
  }
  printf("pthread_once ran %d time(s); keys per thread %d, destructors run %d\n", once_count, okv, dtor_count);

  sem_init(&ready, 0, 0); sem_init(&go, 0, 0);
  signal(SIGUSR1, usr1);
  pthread_t w;
  pthread_create(&w, NULL, waiter, NULL);
  sem_wait(&ready);
  sigset_t set; sigemptyset(&set); sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, NULL);  /* only the target thread can take it */
  pthread_kill(w, SIGUSR1);
  sem_post(&go);
  pthread_join(w, NULL);
  printf("pthread_kill: handled by the target thread %d\n", pthread_equal(handled_by, w));
  pthread_sigmask(SIG_UNBLOCK, &set, NULL);

  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  pthread_t d;
  printf("detached thread created %d\n", pthread_create(&d, &at, waiter, NULL) == 0);
  sem_wait(&ready); sem_post(&go);
  return 0;
}
