# Sources of drivers/irqchip (the GIC family), added to the kernel when the
# arch names this folder in ARCH_DRIVER_PARTS (arch/<arch>/CMakeLists.txt).
list(APPEND CORE_SOURCES
  drivers/irqchip/gic_common.c
  drivers/irqchip/gic_v2.c
  drivers/irqchip/gic_v3.c
  drivers/irqchip/gic_v2m.c
  drivers/irqchip/gic_v3_lpi.c
  drivers/irqchip/gic_v3_its.c
  drivers/irqchip/gic_tests.c
)
