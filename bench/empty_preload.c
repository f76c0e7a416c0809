/* Preloaded by startup_bench as the floor of any preload library: what the
 * dynamic loader costs a process for one more library, with nothing in it. */
void srcbind_bench_empty_preload(void);
void srcbind_bench_empty_preload(void) {}
