{
  "targets": [
    {
      "target_name": "rawgate_io",
      "sources": ["rawgate_io.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
