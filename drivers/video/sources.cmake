# Sources of drivers/video: the framebuffer text console's renderer, portable
# (the host tests run it on memory: tests/host/test_fbcon.c).
list(APPEND CORE_SOURCES
  drivers/video/fbcon.c
)
