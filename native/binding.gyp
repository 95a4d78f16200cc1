{
  "targets": [
    {
      "target_name": "rawgate_io",
      "sources": ["rawgate_io.c", "rg_dev.c", "rg_rxtx.c", "rg_notify.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"]
    },
    {
      "target_name": "rawgate-client",
      "type": "executable",
      "sources": ["client/rawgate-client.c", "client/rg_json.c", "client/rg_buf.c", "client/rg_errname.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=c11"]
    }
  ]
}
