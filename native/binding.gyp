{
  "targets": [
    {
      "target_name": "rawgate_io",
      "sources": ["rawgate_io.c", "rg_dev.c", "rg_rxtx.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
