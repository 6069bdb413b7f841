# Sources of drivers/firmware: QEMU's fw_cfg (on the virt machines' MMIO),
# through which a guest sets up QEMU's ramfb.
list(APPEND CORE_SOURCES
  drivers/firmware/fw_cfg.c
)
