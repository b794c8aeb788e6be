{
  "targets": [
    {
      "target_name": "udp_batch",
      "sources": ["udp_batch.c", "memory.cc"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["OS!='linux'", { "type": "none" }]
      ]
    }
  ]
}
