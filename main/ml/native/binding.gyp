{
  "targets": [
    {
      "target_name": "dimsearch_kernels",
      "sources": ["addon.c", "gemm.c", "batch_norm_leaky_relu.c", "window_max_pool.c", "blas_threads.c", "parallel_shares.c"],
      "cflags": ["-O3", "-std=gnu11", "-fno-trapping-math"],
      "include_dirs": ["/usr/include/x86_64-linux-gnu", "/usr/include/aarch64-linux-gnu", "/usr/include/openblas"],
      "libraries": ["-lopenblas"],
      "conditions": [["target_arch=='x64'", { "cflags": ["-march=x86-64-v2"] }]]
    }
  ]
}
